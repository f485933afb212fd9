import { z } from 'zod';
import { INCIDENT_KINDS } from '../../connectors/sdk/index.js';

/**
 * Incident-driven work (configuration `incidents:` and `encompass:`): how the gateway reads the
 * agencies' incident feeds, when the MASH's daily domestic-abuse meeting is held, and Operation
 * Encompass: the school calendar, each school's key adult, and by when a school must be told.
 * See docs/incidents.md.
 */
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day HH:MM (Europe/London)');
const isoDate = z.iso.date({ error: 'must be an ISO date (YYYY-MM-DD)' });
const laestab = z.string().regex(/^\d{7}$/, 'must be a DfE LAESTAB: 7 digits (local authority code and establishment number)');

/** A term (or half-term block): the first and last school day, both inclusive. */
const termSchema = z
  .object({ from: isoDate, to: isoDate })
  .strict()
  .refine((term) => term.from <= term.to, { error: 'a term must not end before it starts' });

export const incidentsConfigSchema = z
  .object({
    /** Read the feeds of agencies whose connector offers incidents (police). */
    enabled: z.boolean().default(true),
    /** Read each feed this often (0: never on a timer; `Gateway.incidents.pollOnce()` still reads). */
    pollEverySeconds: z.number().int().min(0).max(86_400).default(60),
    /** The first read of a feed (no stored cursor) starts this many hours back. */
    backfillHours: z.number().int().min(0).max(24 * 400).default(72),
    /** Incidents asked for per feed call (the connector may give fewer). */
    pageSize: z.number().int().min(1).max(1000).default(100),
    /** Most pages one poll reads from one feed before it yields to the next poll. */
    maxPagesPerPoll: z.number().int().min(1).max(1000).default(50),
    kinds: z.array(z.enum(INCIDENT_KINDS)).min(1).default(['domestic-abuse']),
    meeting: z
      .object({
        /** When the MASH's daily domestic-abuse meeting starts (its list covers incidents before it). */
        time: clock.default('09:30'),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

const keyAdultSchema = z
  .object({
    name: z.string().min(1).max(200),
    email: z.email().optional(),
    phone: z.string().min(5).max(40).optional(),
  })
  .strict()
  .refine((adult) => adult.email !== undefined || adult.phone !== undefined, { error: 'a key adult needs an email or a phone number' });

export const encompassConfigSchema = z
  .object({
    /** Send Operation Encompass notifications for children at domestic-abuse incidents. */
    enabled: z.boolean().default(true),
    /** The school must be told by this time on the next school day (Europe/London). */
    sendBy: clock.default('08:30'),
    /** An unacknowledged notification is escalated to the MASH at this time on that school day. */
    escalateAt: clock.default('10:30'),
    /** The worker (find the school, send, escalate) runs this often (0: never on a timer). */
    workEverySeconds: z.number().int().min(0).max(86_400).default(60),
    /** Terms of the local authority's schools, used for a school with no terms of its own. Empty: every weekday that is not a bank holiday. */
    terms: z.array(termSchema).default([]),
    /** Days every school is closed besides weekends and bank holidays (e.g. a county-wide training day). */
    closures: z.array(isoDate).default([]),
    /** Bank holidays; absent: England and Wales (gateway/workspace/queue/bank-holidays.ts). */
    bankHolidays: z.array(isoDate).optional(),
    /** Each school's Operation Encompass key adult (normally the DSL), and its own terms where they differ. */
    schools: z
      .array(
        z
          .object({
            laestab,
            name: z.string().min(1).max(200),
            keyAdult: keyAdultSchema.optional(),
            terms: z.array(termSchema).optional(),
            closures: z.array(isoDate).optional(),
          })
          .strict(),
      )
      .default([])
      .refine((schools) => new Set(schools.map((s) => s.laestab)).size === schools.length, { error: 'each school is listed once (by laestab)' }),
  })
  .strict()
  .prefault({});

export type IncidentsConfig = z.infer<typeof incidentsConfigSchema>;
export type EncompassConfig = z.infer<typeof encompassConfigSchema>;
export type EncompassSchool = EncompassConfig['schools'][number];
export const defaultIncidentsConfig = (): IncidentsConfig => incidentsConfigSchema.parse(undefined);
export const defaultEncompassConfig = (): EncompassConfig => encompassConfigSchema.parse(undefined);
