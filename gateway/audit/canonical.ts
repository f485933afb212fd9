import canonicalize from 'canonicalize';

/** RFC 8785 (JCS) canonical JSON: the exact bytes an event's hash covers. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('Only JSON values can be canonicalised.');
  return text;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function storableString(value: string): string {
  // jsonb rejects \u0000 and JCS (and jsonb) reject lone surrogates. An access must never go
  // unrecorded because a free-text field held one, so both become U+FFFD before hashing.
  return value.replace(LONE_SURROGATE, '\uFFFD').replaceAll('\u0000', '\uFFFD');
}

/**
 * A plain-JSON copy of `value` that survives a jsonb round trip unchanged, so the hash of the stored
 * body equals the hash computed at append: `undefined` members are dropped (as JSON.stringify does),
 * non-finite numbers become null, `toJSON` is honoured (Dates become ISO strings), and strings are
 * made storable.
 */
export function toStorableJson(value: unknown): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
      return storableString(value);
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'boolean':
      return value;
    case 'object': {
      const withJson = value as { toJSON?: () => unknown };
      if (typeof withJson.toJSON === 'function') return toStorableJson(withJson.toJSON());
      if (Array.isArray(value)) return value.map((item) => toStorableJson(item) ?? null);
      const out: Record<string, unknown> = {};
      for (const [key, member] of Object.entries(value)) {
        const stored = toStorableJson(member);
        // defineProperty, not assignment: a "__proto__" key stays a key (as JSON.parse makes it)
        // instead of replacing the copy's prototype and vanishing from the record.
        if (stored !== undefined) {
          Object.defineProperty(out, storableString(key), { value: stored, enumerable: true, writable: true, configurable: true });
        }
      }
      return out;
    }
    default:
      // undefined, functions, symbols: not JSON (dropped from objects, null in arrays).
      return undefined;
  }
}

const NEEDS_REPAIR = /[\u0000\uD800-\uDFFF]/;

function storableText(value: string): string {
  return NEEDS_REPAIR.test(value) ? storableString(value) : value;
}

/** Thrown inside sortedCopy when the value needs the general path (never escapes this module). */
const GENERAL_PATH = Symbol('general path');
/**
 * Keys sortedCopy cannot use: array indexes (the engine orders those numerically, not in insertion
 * order), "__proto__" (assigning it sets the prototype) and text to repair.
 */
const UNUSABLE_KEY = /^(?:0|[1-9][0-9]*|__proto__)$|[\u0000\uD800-\uDFFF]/;
/** Keys already checked against UNUSABLE_KEY (an event's keys are few and recur; bounded anyway). */
const checkedKeys = new Map<string, boolean>();
const CHECKED_KEYS_LIMIT = 4096;

function usableKey(key: string): boolean {
  let usable = checkedKeys.get(key);
  if (usable === undefined) {
    usable = !UNUSABLE_KEY.test(key);
    if (checkedKeys.size < CHECKED_KEYS_LIMIT) checkedKeys.set(key, usable);
  }
  return usable;
}

/**
 * A copy of `value` whose objects have their keys inserted in canonical (UTF-16 code unit) order,
 * so the engine's own JSON.stringify writes it as RFC 8785 JSON: it omits undefined members, writes
 * non-finite numbers as null and numbers and strings exactly as JCS does. Throws GENERAL_PATH for
 * what that cannot cover: text to repair (JSON.stringify would escape a lone surrogate instead, and
 * keep NUL), and keys sortedCopy cannot use.
 */
function sortedCopy(value: unknown): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
      if (NEEDS_REPAIR.test(value)) throw GENERAL_PATH;
      return value;
    case 'number':
    case 'boolean':
      return value;
    case 'object': {
      const withJson = value as { toJSON?: () => unknown };
      if (typeof withJson.toJSON === 'function') return sortedCopy(withJson.toJSON());
      if (Array.isArray(value)) {
        // undefined (and functions, symbols) in an array are written as null, as canonically.
        const out: unknown[] = [];
        for (let i = 0; i < value.length; i += 1) out.push(sortedCopy(value[i]));
        return out;
      }
      const keys = Object.keys(value);
      keys.sort();
      const out: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i += 1) {
        const key = keys[i]!;
        if (!usableKey(key)) throw GENERAL_PATH;
        const member = sortedCopy((value as Record<string, unknown>)[key]);
        if (member !== undefined) out[key] = member;
      }
      return out;
    }
    default:
      // undefined, functions, symbols, bigints: not JSON (dropped from objects, null in arrays).
      return undefined;
  }
}

/**
 * canonicalJson(toStorableJson(value)): the appender's hot path. Usually a sorted copy written by
 * the engine's JSON.stringify (about a third less time than writing it member by member, and a flat
 * string, so hashing and sending it do not flatten it first); values that copy cannot cover take the
 * general path. Property-tested against the two-step form (test/gateway/audit/hash.test.ts); undefined when
 * the value is not JSON at all.
 */
export function canonicalStorableJson(value: unknown): string | undefined {
  let copy: unknown;
  try {
    copy = sortedCopy(value);
  } catch (error) {
    if (error !== GENERAL_PATH) throw error;
    return canonicalStorableJsonGeneral(value);
  }
  return copy === undefined ? undefined : JSON.stringify(copy);
}

/** The general path: the same text member by member, repairing text and keys as it goes. */
function canonicalStorableJsonGeneral(value: unknown): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(storableText(value));
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      const withJson = value as { toJSON?: () => unknown };
      if (typeof withJson.toJSON === 'function') return canonicalStorableJsonGeneral(withJson.toJSON());
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i += 1) {
          if (i > 0) out += ',';
          out += canonicalStorableJsonGeneral(value[i]) ?? 'null';
        }
        return `${out}]`;
      }
      const keys = Object.keys(value);
      if (keys.some((key) => NEEDS_REPAIR.test(key))) return canonicalRepairedKeys(value as Record<string, unknown>, keys);
      keys.sort();
      let out = '{';
      for (const key of keys) {
        const member = canonicalStorableJsonGeneral((value as Record<string, unknown>)[key]);
        if (member === undefined) continue;
        out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${member}`;
      }
      return `${out}}`;
    }
    default:
      return undefined;
  }
}

// Keys are repaired before sorting, as toStorableJson does before canonicalize sorts them; a later
// member wins when two keys repair to the same text.
function canonicalRepairedKeys(value: Record<string, unknown>, keys: string[]): string {
  const members = new Map<string, string>();
  for (const key of keys) {
    const member = canonicalStorableJsonGeneral(value[key]);
    if (member !== undefined) members.set(storableText(key), member);
  }
  return `{${[...members.keys()]
    .sort()
    .map((key) => `${JSON.stringify(key)}:${members.get(key)}`)
    .join(',')}}`;
}
