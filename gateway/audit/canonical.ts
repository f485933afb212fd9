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
        if (stored !== undefined) out[storableString(key)] = stored;
      }
      return out;
    }
    default:
      // undefined, functions, symbols: not JSON (dropped from objects, null in arrays).
      return undefined;
  }
}
