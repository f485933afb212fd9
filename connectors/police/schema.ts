/**
 * What the connector accepts from the police records API (POLE model, see sandbox/police/README.md),
 * validated with zod. Unknown properties pass through (a force's API carries more than we read);
 * known properties of the wrong type make the whole answer MALFORMED_RESPONSE, because a misread
 * record is worse than none.
 */
import { z } from 'zod';

export const POLICE_ID = /^[A-Za-z0-9][A-Za-z0-9\-_.]{0,63}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

const id = z.string().regex(POLICE_ID);
const str = z.string();
const date = z.string().regex(DATE);
const dateTime = z.string().regex(DATE_TIME);

export const ContactSchema = z.looseObject({ name: str, phone: str.optional(), email: str.optional() });

export const OfficerSchema = z.looseObject({
  rank: str.optional(),
  name: str,
  collarNumber: str.optional(),
  unit: str.optional(),
  phone: str.optional(),
  email: str.optional(),
});

export const LocationSchema = z.looseObject({
  id,
  kind: str,
  description: str.optional(),
  line1: str.optional(),
  line2: str.optional(),
  city: str.optional(),
  postcode: str.optional(),
  uprn: str.optional(),
});

export const PersonSchema = z.looseObject({
  id,
  pncId: str.optional(),
  names: z.array(z.looseObject({ type: str, forenames: z.array(str), surname: str })).min(1),
  dateOfBirth: z.string().regex(/^\d{4}(-\d{2}(-\d{2})?)?$/).optional(),
  sex: z.enum(['M', 'F', 'U']).optional(),
  addresses: z.array(z.looseObject({ locationId: id, type: str, from: date.optional(), to: date.optional() })).default([]),
  contact: ContactSchema.optional(),
  lastUpdated: dateTime.optional(),
});

export const EventSchema = z.looseObject({
  id,
  type: str,
  occurredAt: dateTime,
  endedAt: dateTime.optional(),
  locationId: id.optional(),
  status: str,
  riskLevel: str.optional(),
  childPresent: z.boolean().optional(),
  offence: str.optional(),
  orderType: str.optional(),
  outcome: str.optional(),
  narrative: str.optional(),
  persons: z.array(z.looseObject({ personId: id, role: str })),
  officerInCase: OfficerSchema.optional(),
  lastUpdated: dateTime.optional(),
});

export const MarkerSchema = z.looseObject({
  id,
  personId: id,
  code: str,
  description: str,
  startDate: date,
  reviewDate: date.optional(),
  status: str,
  unit: str.optional(),
  contact: ContactSchema.optional(),
  lastUpdated: dateTime.optional(),
});

export const IntelligenceSchema = z.looseObject({
  id,
  personId: id,
  recordedAt: dateTime,
  grading: z.looseObject({ source: str, intelligence: str, handling: str }).optional(),
  text: str,
  officer: OfficerSchema.optional(),
  lastUpdated: dateTime.optional(),
});

export const PageSchema = z.looseObject({
  offset: z.number().int().nonnegative(),
  limit: z.number().int().positive(),
  total: z.number().int().nonnegative(),
  nextOffset: z.number().int().positive().optional(),
});

export const ListEnvelopeSchema = z.looseObject({
  data: z.array(z.unknown()),
  included: z.looseObject({ locations: z.array(z.unknown()).optional() }).optional(),
  page: PageSchema,
});

/** The answer to several person searches in one request (`anyOf`). */
export const AnyOfEnvelopeSchema = ListEnvelopeSchema.extend({
  alternatives: z.array(z.looseObject({ total: z.number().int().nonnegative(), personIds: z.array(z.string()) })),
});

/** A person link, from `personId`'s side (`parent-of`: they are a parent of `linkedPersonId`). */
export const LinkSchema = z.looseObject({
  id,
  personId: id,
  linkedPersonId: id,
  type: str,
  eventId: str.optional(),
  recordedAt: date.optional(),
  lastUpdated: dateTime.optional(),
});

/**
 * The change feed (`events/changes`): events, the persons they involve and the locations both
 * refer to side-loaded, and where to resume (`page.next`, a change token: digits).
 */
export const ChangesEnvelopeSchema = z.looseObject({
  data: z.array(z.unknown()),
  included: z.looseObject({ persons: z.array(z.unknown()).optional(), locations: z.array(z.unknown()).optional() }).optional(),
  page: z.looseObject({ next: z.string().regex(/^\d{1,15}$/), more: z.boolean() }),
});

/** An incident's time must be a full date-time with a zone (a feed position is compared by instant). */
export const ZONED_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export const StatusSchema = z.looseObject({ status: str, system: str.optional(), version: str.optional() });

export type PoliceApiPerson = z.infer<typeof PersonSchema>;
export type PoliceApiLink = z.infer<typeof LinkSchema>;
export type PoliceApiEvent = z.infer<typeof EventSchema>;
export type PoliceApiLocation = z.infer<typeof LocationSchema>;
export type PoliceApiMarker = z.infer<typeof MarkerSchema>;
export type PoliceApiIntelligence = z.infer<typeof IntelligenceSchema>;
export type PoliceApiOfficer = z.infer<typeof OfficerSchema>;
export type PoliceApiContact = z.infer<typeof ContactSchema>;
