/**
 * Where agencies disagree about one linked person: pure comparison of the identity each agency's
 * record holds, as the gate disclosed it. No I/O, no clock. A field the gate withheld from an
 * agency's record is never compared and never shown: that side is listed as withheld by policy.
 *
 * Not every difference is a conflict (WT23: information "may be conflicting or incomplete"; the
 * researcher needs to tell which):
 * - a `variant`: the same thing written differently (a nickname or short form, a double-barrelled
 *   family name recorded in part, a former name an agency also holds, a partial birth date);
 * - a `likely-data-entry-error`: a day/month swap or a one-character slip in a date, a one-letter
 *   slip in a name;
 * - a `stale-address`: one agency's current address is another's previous one (a move not yet
 *   recorded everywhere);
 * - a `conflict`: the agencies record different things, e.g. two dates of birth years apart.
 * A detail one agency does not record at all is missing, not a conflict.
 */
import type { Address, GenderCode, PersonIdentifier, PersonName, Provenance } from '../../../connectors/sdk/index.js';
import { sameGivenRoot } from '../../identity/names.js';
import { NHS_NUMBER_SYSTEM, normaliseNhsNumber } from '../../identity/nhs-number.js';
import { normaliseAddress, normaliseName, normalisePostcode } from '../../identity/normalise.js';
import { editDistance } from '../../identity/strings.js';

export const CONFLICT_FIELDS = ['given', 'family', 'birthDate', 'gender', 'nhsNumber', 'address'] as const;
export type ConflictField = (typeof CONFLICT_FIELDS)[number] | 'household';

export type ConflictKind = 'conflict' | 'likely-data-entry-error' | 'stale-address' | 'variant';

/** One agency record's identity as the gate disclosed it (a DisclosedPerson has this shape). */
export interface IdentityView {
  readonly agency: string;
  readonly personId: string;
  readonly provenance: Provenance;
  /** Identity fields (names, birthDate, gender, identifiers, addresses) the policy did not disclose. */
  readonly withheldFields: readonly string[];
  readonly names?: readonly PersonName[] | undefined;
  readonly birthDate?: string | undefined;
  readonly gender?: GenderCode | undefined;
  readonly identifiers?: readonly PersonIdentifier[] | undefined;
  readonly addresses?: readonly Address[] | undefined;
}

export interface ConflictSide {
  agency: string;
  personId: string;
  /** The value as the agency records it; absent when withheld. */
  value?: string;
  /** True when the policy withheld this detail: it was not compared and is not shown. */
  withheld: boolean;
  provenance: Provenance;
}

export interface FieldConflict {
  field: ConflictField;
  kind: ConflictKind;
  /** What the difference is, in words; it never repeats a value. */
  explanation: string;
  /** Every agency record's side: those that differ, and those withheld by policy. */
  sides: ConflictSide[];
}

/** The identity field of the person standard (PERSON_FIELDS) that holds each compared detail. */
const SOURCE_FIELD: Readonly<Record<(typeof CONFLICT_FIELDS)[number], string>> = {
  given: 'names',
  family: 'names',
  birthDate: 'birthDate',
  gender: 'gender',
  nhsNumber: 'identifiers',
  address: 'addresses',
};

const FIELD_LABEL: Readonly<Record<ConflictField, string>> = {
  given: 'given name',
  family: 'family name',
  birthDate: 'date of birth',
  gender: 'gender',
  nhsNumber: 'NHS number',
  address: 'current address',
  household: 'household',
};

/** How two recorded values relate; `same` is no difference at all. */
type Relation = { kind: 'same' } | { kind: ConflictKind; why: string };
const SAME: Relation = { kind: 'same' };

/** Worst first: a conflict outweighs a slip, a slip a stale address, that a variant. */
const SEVERITY: readonly ConflictKind[] = ['conflict', 'likely-data-entry-error', 'stale-address', 'variant'];

// ---- names --------------------------------------------------------------------------------------

const MAIN_USES = new Set(['official', 'usual', undefined]);

function mainName(names: readonly PersonName[] | undefined): PersonName | undefined {
  if (!names || names.length === 0) return undefined;
  return names.find((n) => n.use === 'official') ?? names.find((n) => MAIN_USES.has(n.use)) ?? names[0];
}

const givenOf = (name: PersonName | undefined): string | undefined => {
  const text = name?.given.map((g) => g.trim()).filter(Boolean).join(' ');
  return text ? text : undefined;
};
const familyOf = (name: PersonName | undefined): string | undefined => (name?.family?.trim() ? name.family.trim() : undefined);

/** Other names the record also holds (nickname, alias, former and maiden names). */
const otherNames = (view: IdentityView): PersonName[] => (view.names ?? []).filter((n) => n !== mainName(view.names));

export function compareGiven(a: string, b: string, alsoKnownAs: { a: readonly string[]; b: readonly string[] } = { a: [], b: [] }): Relation {
  const na = normaliseName(a).given;
  const nb = normaliseName(b).given;
  if (na === null || nb === null) return SAME;
  if (na === nb) return SAME;
  if (sameGivenRoot(na, nb)) return { kind: 'variant', why: 'a nickname or short form of the same given name' };
  const known = (names: readonly string[], other: string) => names.some((n) => normaliseName(n).given === other);
  if (known(alsoKnownAs.a, nb) || known(alsoKnownAs.b, na)) return { kind: 'variant', why: 'a name the other agency also records the person by' };
  if (editDistance(na, nb, 1) <= 1 && Math.min(na.length, nb.length) >= 4) return { kind: 'likely-data-entry-error', why: 'one letter apart: likely a typing slip' };
  return { kind: 'conflict', why: 'different given names' };
}

export function compareFamily(a: string, b: string, alsoKnownAs: { a: readonly string[]; b: readonly string[] } = { a: [], b: [] }): Relation {
  const na = normaliseName(undefined, a);
  const nb = normaliseName(undefined, b);
  if (na.family === null || nb.family === null) return SAME;
  // "O'Brien" and "OBrien", "Smith-Jones" and "Smith Jones": the same name once normalised.
  if (na.family === nb.family) return SAME;
  if (na.familyParts.length !== nb.familyParts.length && na.familyParts.some((p) => nb.familyParts.includes(p))) {
    return { kind: 'variant', why: 'part of a double-barrelled family name' };
  }
  const known = (names: readonly string[], other: string) => names.some((n) => normaliseName(undefined, n).family === other);
  if (known(alsoKnownAs.a, nb.family) || known(alsoKnownAs.b, na.family)) return { kind: 'variant', why: 'a former or other family name the other agency also records' };
  if (editDistance(na.family, nb.family, 1) <= 1 && Math.min(na.family.length, nb.family.length) >= 4) return { kind: 'likely-data-entry-error', why: 'one letter apart: likely a typing slip' };
  return { kind: 'conflict', why: 'different family names' };
}

// ---- dates of birth -----------------------------------------------------------------------------

const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/;

export function compareBirthDate(a: string, b: string): Relation {
  const ma = DATE.exec(a.trim());
  const mb = DATE.exec(b.trim());
  if (!ma || !mb) return a.trim() === b.trim() ? SAME : { kind: 'conflict', why: 'different dates of birth' };
  const [, ya, mo1, d1] = ma;
  const [, yb, mo2, d2] = mb;
  if (ya === yb && mo1 === mo2 && d1 === d2) return SAME;
  // A partial date ("2011-06") agrees with any full date inside it.
  const partial = d1 === undefined || d2 === undefined;
  if (partial && ya === yb && (mo1 === undefined || mo2 === undefined || mo1 === mo2)) return { kind: 'variant', why: 'one agency records only part of the date, and the parts agree' };
  if (!partial && ya === yb && mo1 === d2 && d1 === mo2) return { kind: 'likely-data-entry-error', why: 'day and month swapped: likely a data-entry error' };
  if (!partial && editDistance(`${ya}${mo1}${d1}`, `${yb}${mo2}${d2}`, 1) <= 1) return { kind: 'likely-data-entry-error', why: 'one digit apart: likely a typing slip' };
  return { kind: 'conflict', why: 'different dates of birth' };
}

// ---- gender, NHS number --------------------------------------------------------------------------

const GENDER_LABEL: Readonly<Record<string, string>> = { '0': 'not known', '1': 'male', '2': 'female', '9': 'indeterminate' };

export function compareGender(a: GenderCode, b: GenderCode): Relation {
  // 0 (not known) and 9 (indeterminate) say nothing either way.
  if (a === b || a === '0' || b === '0' || a === '9' || b === '9') return SAME;
  return { kind: 'conflict', why: 'recorded differently' };
}

const nhsNumberOf = (identifiers: readonly PersonIdentifier[] | undefined): string | undefined => {
  const raw = identifiers?.find((i) => i.system === NHS_NUMBER_SYSTEM)?.value;
  return raw === undefined ? undefined : (normaliseNhsNumber(raw) ?? raw.replace(/[\s-]/g, ''));
};

export function compareNhsNumber(a: string, b: string): Relation {
  if (a === b) return SAME;
  if (editDistance(a, b, 2) <= 1) return { kind: 'likely-data-entry-error', why: 'one digit apart or two digits transposed: likely a typing slip (check with the NHS number tracing service)' };
  return { kind: 'conflict', why: 'different NHS numbers: they may be two different people' };
}

// ---- addresses ----------------------------------------------------------------------------------

const clean = (value: string | undefined): string | undefined => (value?.trim() ? value.trim() : undefined);
const currentAddress = (addresses: readonly Address[] | undefined): Address | undefined => addresses?.find((a) => clean(a.to) === undefined);

/** UPRN first (one property, one number), then the normalised first line with the postcode. */
export function sameAddress(a: Address, b: Address): boolean {
  const ua = clean(a.uprn);
  const ub = clean(b.uprn);
  if (ua !== undefined && ub !== undefined) return ua === ub;
  const pa = normalisePostcode(clean(a.postalCode))?.full;
  const pb = normalisePostcode(clean(b.postalCode))?.full;
  const la = normaliseAddress(clean(a.line1)).address;
  const lb = normaliseAddress(clean(b.line1)).address;
  return pa !== undefined && pa === pb && la !== null && la === lb;
}

/**
 * Two current addresses. `histories` are the address lists of the records compared (and of any
 * other record of the person): where one of them holds one address as current and the other as
 * previous, the difference is a move not yet recorded everywhere, not a conflict.
 */
export function compareAddresses(a: Address, b: Address, histories: readonly (readonly Address[])[] = []): Relation {
  if (sameAddress(a, b)) return SAME;
  const moved = histories.some((addresses) => {
    const current = currentAddress(addresses);
    const past = (address: Address) => addresses.some((p) => clean(p.to) !== undefined && sameAddress(p, address));
    return current !== undefined && ((sameAddress(current, a) && past(b)) || (sameAddress(current, b) && past(a)));
  });
  if (moved) return { kind: 'stale-address', why: 'one agency still records as current an address recorded elsewhere as previous: likely a move not yet recorded there' };
  return { kind: 'conflict', why: 'different current addresses' };
}

export function formatAddress(address: Address): string {
  const parts = [clean(address.line1), clean(address.line2), clean(address.city), clean(address.postalCode)].filter(Boolean);
  const uprn = clean(address.uprn);
  return `${parts.join(', ')}${uprn ? ` (UPRN ${uprn})` : ''}`;
}

// ---- the comparison -----------------------------------------------------------------------------

interface Reading {
  view: IdentityView;
  /** The value shown for this side. */
  value: string;
  /** The value as compared. */
  compared: unknown;
}

function readField(view: IdentityView, field: (typeof CONFLICT_FIELDS)[number]): Reading | undefined {
  switch (field) {
    case 'given': {
      const value = givenOf(mainName(view.names));
      return value === undefined ? undefined : { view, value, compared: value };
    }
    case 'family': {
      const value = familyOf(mainName(view.names));
      return value === undefined ? undefined : { view, value, compared: value };
    }
    case 'birthDate':
      return clean(view.birthDate) === undefined ? undefined : { view, value: view.birthDate!.trim(), compared: view.birthDate!.trim() };
    case 'gender':
      return view.gender === undefined ? undefined : { view, value: GENDER_LABEL[view.gender] ?? view.gender, compared: view.gender };
    case 'nhsNumber': {
      const value = nhsNumberOf(view.identifiers);
      return value === undefined ? undefined : { view, value, compared: value };
    }
    case 'address': {
      const address = currentAddress(view.addresses);
      return address === undefined ? undefined : { view, value: formatAddress(address), compared: address };
    }
  }
}

function relate(field: (typeof CONFLICT_FIELDS)[number], a: Reading, b: Reading, all: readonly IdentityView[]): Relation {
  const aka = (view: IdentityView, part: 'given' | 'family') => otherNames(view).map((n) => (part === 'given' ? givenOf(n) : familyOf(n))).filter((n): n is string => n !== undefined);
  switch (field) {
    case 'given':
      return compareGiven(a.compared as string, b.compared as string, { a: aka(a.view, 'given'), b: aka(b.view, 'given') });
    case 'family':
      return compareFamily(a.compared as string, b.compared as string, { a: aka(a.view, 'family'), b: aka(b.view, 'family') });
    case 'birthDate':
      return compareBirthDate(a.compared as string, b.compared as string);
    case 'gender':
      return compareGender(a.compared as GenderCode, b.compared as GenderCode);
    case 'nhsNumber':
      return compareNhsNumber(a.compared as string, b.compared as string);
    case 'address':
      return compareAddresses(a.compared as Address, b.compared as Address, all.filter((v) => !v.withheldFields.includes('addresses')).map((v) => v.addresses ?? []));
  }
}

const side = (view: IdentityView, value?: string): ConflictSide => ({
  agency: view.agency,
  personId: view.personId,
  ...(value !== undefined ? { value } : {}),
  withheld: value === undefined,
  provenance: view.provenance,
});

const recordName = (view: IdentityView) => `${view.agency} (${view.personId})`;

/**
 * Every detail on which the agencies' records of one person differ. Each field's sides are every
 * record holding the detail; the kind is the worst difference between any two of them, and the
 * explanation names which records differ and how. Records the policy withheld the detail from
 * are listed as withheld, never compared.
 */
export function compareIdentities(views: readonly IdentityView[]): FieldConflict[] {
  const conflicts: FieldConflict[] = [];
  for (const field of CONFLICT_FIELDS) {
    const readings: Reading[] = [];
    const withheld: IdentityView[] = [];
    for (const view of views) {
      if (view.withheldFields.includes(SOURCE_FIELD[field])) withheld.push(view);
      else {
        const reading = readField(view, field);
        if (reading) readings.push(reading);
      }
    }
    const differences: { kind: ConflictKind; text: string }[] = [];
    for (let i = 0; i < readings.length; i++) {
      for (let j = i + 1; j < readings.length; j++) {
        const relation = relate(field, readings[i]!, readings[j]!, views);
        if (relation.kind === 'same') continue;
        differences.push({ kind: relation.kind, text: `${recordName(readings[i]!.view)} and ${recordName(readings[j]!.view)}: ${relation.why}` });
      }
    }
    if (differences.length === 0) continue;
    const kind = SEVERITY.find((k) => differences.some((d) => d.kind === k))!;
    conflicts.push({
      field,
      kind,
      explanation: `The agencies' records differ on the ${FIELD_LABEL[field]}. ${differences.map((d) => d.text).join('; ')}.`,
      sides: [...readings.map((r) => side(r.view, r.value)), ...withheld.map((v) => side(v))],
    });
  }
  return conflicts;
}

export const WITHHELD_BY_POLICY = 'withheld by policy';

// ---- household composition ----------------------------------------------------------------------

/** An agency that answered who it records with the person (householdOf), and its record of the person. */
export interface HouseholdRecorder {
  agency: string;
  /** The agency's record of the person the composition is about (the linked record). */
  personId: string;
  provenance: Provenance;
}

/** One person some agency records with the subject, as the gate disclosed them. */
export interface HouseholdPersonView {
  /** The person's name as disclosed; absent when the policy withheld it. */
  name?: string;
  records: readonly { agency: string; personId: string; relationship?: string; provenance: Provenance }[];
}

/**
 * Household composition as each agency records it: a person recorded with the subject by some of
 * the agencies that answered and not by others is listed, each side saying whom the agency
 * records (with the relationship) or that it records no such person. Agencies hold different
 * people (police only those they have met, education only pupils), so this is a question to put
 * to the agency, which the explanation says; a relationship recorded differently is a conflict.
 */
export function compareHouseholds(recorders: readonly HouseholdRecorder[], people: readonly HouseholdPersonView[]): FieldConflict[] {
  if (recorders.length < 2) return [];
  const conflicts: FieldConflict[] = [];
  for (const person of people) {
    const by = new Map(person.records.map((r) => [r.agency, r] as const));
    const recording = recorders.filter((r) => by.has(r.agency));
    const missing = recorders.filter((r) => !by.has(r.agency));
    const relationships = new Set(person.records.map((r) => r.relationship).filter((r): r is string => r !== undefined));
    if (missing.length === 0 && relationships.size <= 1) continue;
    const who = person.name ?? 'a person whose identity the policy withholds';
    const texts: string[] = [];
    if (missing.length > 0) {
      texts.push(
        `${recording.map((r) => r.agency).join(' and ')} record${recording.length === 1 ? 's' : ''} this person in the household; ${missing.map((r) => r.agency).join(' and ')} record${missing.length === 1 ? 's' : ''} no such person with the subject (they may not hold the person at all: check with them)`,
      );
    }
    if (relationships.size > 1) texts.push('the agencies record the relationship differently');
    conflicts.push({
      field: 'household',
      kind: 'conflict',
      explanation: `The agencies' records differ on the ${FIELD_LABEL.household}. ${texts.join('; ')}.`,
      sides: [
        ...recording.map((r) => {
          const record = by.get(r.agency)!;
          const value = person.name === undefined ? undefined : `${who}${record.relationship ? ` (${record.relationship})` : ''}`;
          return { agency: r.agency, personId: record.personId, ...(value !== undefined ? { value } : {}), withheld: value === undefined, provenance: record.provenance };
        }),
        ...missing.map((r) => ({ agency: r.agency, personId: r.personId, value: 'not recorded in the household', withheld: false, provenance: r.provenance })),
      ],
    });
  }
  return conflicts;
}
