export { generateCounty, DEFAULT_AS_OF } from './generate.js';
export type {
  County,
  CountyCore,
  CountyOptions,
  CountyTruth,
  CountyViews,
  FeaturedHousehold,
  GpPractice,
  Household,
  HouseholdFactors,
  LocalAuthority,
  Person,
  PersonRole,
  PlaceAddress,
  School,
  ServiceContact,
  Sex,
  Town,
  ChildProtection,
  CpCategory,
} from './model.js';
export { NHS_NUMBER_SYSTEM, isValidNhsNumber, nhsCheckDigit } from './nhs-number.js';
export { Rng, hashKey } from './prng.js';
export { NO_NOISE, typo, nickname, swapDayMonth, type NoiseRates } from './noise.js';
export { ageOn, dayFromIso, isoDate } from './dates.js';
export {
  buildHealthView,
  DEFAULT_HEALTH_VIEW_OPTIONS,
  APPOINTMENT_SERVICE_LABELS,
  type HealthView,
  type HealthViewOptions,
  type HealthPatient,
  type HealthPatientAddress,
  type HealthEncounter,
  type HealthEpisode,
  type CpisFlag,
  type MissedAppointment,
  type HealthOrganisation,
  type HealthRelatedPerson,
  type RelatedPersonCode,
  type EncounterService,
  type EpisodeService,
  type AppointmentService,
} from './views/health.js';
export { householdRelations, relationOf, type HouseholdRelation, type RelatedMember } from './relations.js';
