export { before, computeIndicators, evaluateIndicator, type FiredIndicator, type IndicatorResult } from './compute.js';
export {
  DEFAULT_INDICATORS_PATH,
  IndicatorDefinitionsError,
  loadIndicatorFile,
  loadIndicatorText,
  type IndicatorDefinition,
  type IndicatorDocument,
  type Period,
  type RecordMatch,
} from './definitions.js';
export { readRiskIndicators, type IndicatorServices, type RiskIndicatorsAnswer } from './service.js';
export { createIndicatorSnapshotRepository, type IndicatorSnapshot, type IndicatorSnapshotRepository } from './snapshots.js';
