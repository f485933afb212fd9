import type { DashRiskLevel } from '../../../connectors/sdk/index.js';

/**
 * What raises a household's place in the daily meeting's list, in words the meeting reads.
 * Pure: the facts in, the indicators out (table-tested in test/gateway/incidents/triage-indicators).
 */
export interface TriageFacts {
  /** The highest DASH risk of the household's incidents (null: none assessed). */
  highestRisk: DashRiskLevel | null;
  /** A child saw or heard an incident, or was there (role child-present, or the incident says so). */
  childPresent: boolean;
  /** The children's ages on the meeting date, where their date of birth is disclosed. */
  childAges: readonly (number | null)[];
  /** Stored domestic-abuse incidents involving the household's victims or suspects in the 12 months before the meeting. */
  incidentsIn12Months: number;
  /** A child's search found a CERTAIN or PROBABLE children's social care record. */
  knownToSocialCare: boolean;
  /** An incident was listed at an earlier meeting without an outcome. */
  carriedOver: boolean;
}

export const INDICATOR = {
  highRisk: 'High DASH risk',
  childPresent: 'Child present',
  under5: 'Child under 5',
  repeat: (n: number) => `Repeat incident: ${n} in 12 months`,
  socialCare: "Known to children's social care",
  carriedOver: 'Carried over from an earlier meeting',
} as const;

export function triageIndicators(facts: TriageFacts): string[] {
  const out: string[] = [];
  if (facts.highestRisk === 'high') out.push(INDICATOR.highRisk);
  if (facts.childPresent) out.push(INDICATOR.childPresent);
  if (facts.childAges.some((age) => age !== null && age < 5)) out.push(INDICATOR.under5);
  if (facts.incidentsIn12Months >= 2) out.push(INDICATOR.repeat(facts.incidentsIn12Months));
  if (facts.knownToSocialCare) out.push(INDICATOR.socialCare);
  if (facts.carriedOver) out.push(INDICATOR.carriedOver);
  return out;
}

const RISK_RANK: Readonly<Record<string, number>> = { high: 3, medium: 2, standard: 1 };
export const riskRank = (risk: DashRiskLevel | null): number => (risk === null ? 0 : RISK_RANK[risk] ?? 0);

/** The meeting's order: highest risk (HIGH, MEDIUM, STANDARD, none), then more indicators, then the earliest incident. */
export function compareHouseholds(a: { highestRisk: DashRiskLevel | null; indicators: readonly string[]; earliest: string }, b: typeof a): number {
  return riskRank(b.highestRisk) - riskRank(a.highestRisk) || b.indicators.length - a.indicators.length || Date.parse(a.earliest) - Date.parse(b.earliest);
}
