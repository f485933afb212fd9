/**
 * Identifier systems the police connector speaks, and how each kind of police information maps
 * to a policy category (POLICY-GUIDANCE.md "Categories and tiers"):
 * - police.flags (T1): warning markers, domestic abuse call-outs, missing episodes and protective
 *   orders, as fixed fields only (type, role, dates, place, risk grading, who to contact);
 * - police.detail (T3): the narrative of each of those occurrences, arrests (investigations) and
 *   intelligence reports. The guidance puts detail at T2-T3; one tier per category, and the
 *   category holds intelligence, so T3.
 * Anything the connector does not recognise goes to police.detail, never to a lower tier.
 */
import type { CategoryManifest, RecordField, Tier } from '../sdk/index.js';

export const AGENCY = 'police';

export const SYSTEMS = {
  /** The force's own person (nominal) id. A deployment may configure its force-specific URI. */
  policePersonId: 'https://mash-gateway.example/Id/police-person',
  /** Police National Computer id (`YY/NNNNNNNL`). */
  pncId: 'https://mash-gateway.example/Id/pnc-id',
} as const;

export const CATEGORY = {
  identity: 'police.identity',
  flags: 'police.flags',
  detail: 'police.detail',
} as const;
export type PoliceCategory = (typeof CATEGORY)[keyof typeof CATEGORY];

export const TIER_OF: Readonly<Record<PoliceCategory, Tier>> = {
  'police.identity': 'T0',
  'police.flags': 'T1',
  'police.detail': 'T3',
};

const CONTACT_FIELDS: RecordField[] = ['contactName', 'contactRole', 'contactPhone', 'contactEmail'];

export const POLICE_CATEGORIES: CategoryManifest[] = [
  {
    id: CATEGORY.identity,
    tier: 'T0',
    kinds: [],
    fields: ['names', 'birthDate', 'gender', 'identifiers', 'addresses', 'contact'],
    description:
      'That the person is known to police: police person id and PNC id, names including aliases, date of birth, sex, addresses with UPRN, and who to contact (the MASH police desk). Returned by person search.',
  },
  {
    id: CATEGORY.flags,
    tier: 'T1',
    kinds: ['state', 'event'],
    fields: ['type', 'title', 'status', 'start', 'end', 'location', 'outcome', 'service', ...CONTACT_FIELDS],
    description:
      'Warning markers; domestic abuse call-outs (date, place, the person\'s role, whether a child was present, DASH risk); missing episodes; protective orders. Fixed fields only: no narrative.',
  },
  {
    id: CATEGORY.detail,
    tier: 'T3',
    kinds: ['event'],
    fields: ['type', 'title', 'status', 'start', 'end', 'location', 'narrative', 'outcome', 'service', ...CONTACT_FIELDS],
    description: 'Incident narratives (officers\' accounts), arrests and investigations, intelligence reports (3x5x2 graded).',
  },
];

/** How each role in an occurrence reads in a record title. */
export const ROLE_LABELS: Readonly<Record<string, string>> = {
  victim: 'victim',
  suspect: 'suspect',
  'child-present': 'child present',
  'child-in-household': 'child in the household, not present',
  'missing-person': 'missing person',
  'arrested-person': 'arrested',
  'protected-person': 'protected person',
  'subject-of-order': 'subject of the order',
};

export const CHILD_ROLES: ReadonlySet<string> = new Set(['child-present', 'child-in-household']);
