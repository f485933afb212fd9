export { NHS_NUMBER_SYSTEM, nhsNumberCheckDigit, normaliseNhsNumber } from './nhs-number.js';
export type { Band, BandThresholds, FieldReason, NormalisedPerson, PairScore, PersonRecord } from './types.js';
export { normalisePerson } from './normalise.js';
export { CompiledModel, DEFAULT_BANDS, bandOf, type ModelParameters } from './model.js';
export { defaultModel, loadModelFile } from './default-model.js';
export { linkRecords, type LinkOptions, type LinkResult } from './link.js';
export { PersonIndex } from './person-index.js';
export { createMatcher, validateBands, type CandidateMatch, type IdentityMatcher, type PersonMatchGroup, type RankResult, type SearchCandidate } from './search.js';
