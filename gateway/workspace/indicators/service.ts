import type { Access, RequestScope, SubjectSource } from '../../disclosure/index.js';
import { chronologyOf } from '../chronology/index.js';
import { computeIndicators, type IndicatorResult } from './compute.js';
import type { IndicatorDocument } from './definitions.js';
import type { IndicatorSnapshot, IndicatorSnapshotRepository } from './snapshots.js';

/** What the risk indicators need: the definitions loaded at start and where snapshots are kept. */
export interface IndicatorServices {
  readonly definitions: IndicatorDocument;
  readonly snapshots: IndicatorSnapshotRepository;
}

export interface RiskIndicatorsAnswer extends IndicatorResult {
  readonly enquiryId: string;
  readonly subjectId: string;
  readonly computedAt: string;
  readonly auditEventId: string;
  readonly snapshot: IndicatorSnapshot;
}

/**
 * The risk indicators of a subject and the household members linked to the enquiry: the same
 * audited disclosure step as the chronology (operation `riskIndicators`), the indicators computed
 * from the chronology's disclosed entries only, and the enquiry's snapshot (ids and counts) replaced.
 */
export async function readRiskIndicators(
  access: Access,
  indicators: IndicatorServices,
  scope: RequestScope,
  enquiryId: string,
  subjectId: string,
  now: () => Date,
  sources: readonly SubjectSource[] = [],
): Promise<RiskIndicatorsAnswer> {
  const answer = await access.discloseSubjects(scope, 'riskIndicators', enquiryId, subjectId, { household: true, sources });
  const at = now();
  const chronology = chronologyOf(answer, at);
  const result = computeIndicators(indicators.definitions, chronology.entries, at);
  const snapshot = await indicators.snapshots.save(answer.enquiry.id, subjectId, result, { auditEventId: answer.auditEventId, actor: scope.actor }, at);
  return { ...result, enquiryId: answer.enquiry.id, subjectId, computedAt: at.toISOString(), auditEventId: answer.auditEventId, snapshot };
}
