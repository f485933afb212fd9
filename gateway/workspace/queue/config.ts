import { z } from 'zod';
import { ENGLAND_AND_WALES_BANK_HOLIDAYS } from './bank-holidays.js';
import { isTimeZone, type WorkingCalendar } from './working-time.js';

/**
 * The `queue:` section of the configuration file: RAG timescales, the MASH's working hours, how
 * long access lasts after a deadline, how far a manager may extend one, and the bounds of a
 * referral and of a queue page. Every key has a default (README, "Configuration").
 */

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const clockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day as HH:MM (24-hour), e.g. 09:00')
  .transform((value) => Number(value.slice(0, 2)) * 60 + Number(value.slice(3)));
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be an ISO date (YYYY-MM-DD)').refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'must be a real date');

/** A RAG timescale: clock hours (`hours: 24`) or working hours (`workingHours: 4`). */
const timescale = z.union([
  z.object({ workingHours: z.number().positive().max(2000) }).strict(),
  z.object({ hours: z.number().positive().max(24 * 366) }).strict(),
], { error: 'must be { workingHours: N } or { hours: N }' });
const workingDays = (max: number) => z.object({ workingDays: z.number().min(0).max(max) }).strict();

export const queueConfigSchema = z
  .object({
    timescales: z
      .object({ RED: timescale.default({ workingHours: 4 }), AMBER: timescale.default({ hours: 24 }), GREEN: timescale.default({ hours: 72 }) })
      .strict()
      .default({ RED: { workingHours: 4 }, AMBER: { hours: 24 }, GREEN: { hours: 72 } }),
    workingHours: z
      .object({
        timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone, e.g. Europe/London').default('Europe/London'),
        days: z.array(z.enum(WEEKDAYS, { error: 'must be mon, tue, wed, thu, fri, sat or sun' })).min(1, 'at least one working day is needed').default(['mon', 'tue', 'wed', 'thu', 'fri']),
        start: clockTime.default(9 * 60),
        end: clockTime.default(17 * 60),
        /** Non-working days besides the weekdays not listed; default: England and Wales bank holidays. */
        holidays: z.array(isoDate).max(2000).default([...ENGLAND_AND_WALES_BANK_HOLIDAYS]),
      })
      .strict()
      .refine((w) => w.end > w.start, { message: 'end must be after start', path: ['end'] })
      .default({ timeZone: 'Europe/London', days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: 9 * 60, end: 17 * 60, holidays: [...ENGLAND_AND_WALES_BANK_HOLIDAYS] }),
    /** How far past the RAG's own deadline a manager may set or extend one. */
    maxExtension: workingDays(260).default({ workingDays: 10 }),
    /** How long members may still read after the deadline (access ends then, or at closure). */
    accessGrace: workingDays(260).default({ workingDays: 5 }),
    referral: z
      .object({
        /** The oldest a referral may be when its enquiry opens. */
        maxAgeDays: z.number().int().min(1).max(3660).default(30),
        /** The longest referral text. */
        textMaxLength: z.number().int().min(100).max(100_000).default(20_000),
      })
      .strict()
      .default({ maxAgeDays: 30, textMaxLength: 20_000 }),
    pageSize: z
      .object({ default: z.number().int().min(1).max(1000).default(50), max: z.number().int().min(1).max(1000).default(200) })
      .strict()
      .refine((p) => p.default <= p.max, { message: 'default must not exceed max', path: ['default'] })
      .default({ default: 50, max: 200 }),
  })
  .strict();

export type QueueConfigInput = z.input<typeof queueConfigSchema>;

export interface RagTimescale {
  readonly amountMs: number;
  /** Counted in working hours (true) or clock hours (false). */
  readonly working: boolean;
  /** For messages: "4 working hours", "24 hours". */
  readonly description: string;
}

export interface QueueSettings {
  readonly timescales: Readonly<Record<'RED' | 'AMBER' | 'GREEN', RagTimescale>>;
  readonly calendar: WorkingCalendar;
  readonly maxExtensionWorkingDays: number;
  readonly accessGraceWorkingDays: number;
  readonly referralMaxAgeMs: number;
  readonly referralTextMaxLength: number;
  readonly pageSize: { readonly default: number; readonly max: number };
}

const HOUR_MS = 3_600_000;

function toTimescale(t: z.infer<typeof timescale>): RagTimescale {
  if ('workingHours' in t) return { amountMs: t.workingHours * HOUR_MS, working: true, description: `${t.workingHours} working ${t.workingHours === 1 ? 'hour' : 'hours'}` };
  return { amountMs: t.hours * HOUR_MS, working: false, description: `${t.hours} ${t.hours === 1 ? 'hour' : 'hours'}` };
}

/** The settings the queue works with, from the validated section. */
export function queueSettings(config: z.infer<typeof queueConfigSchema>): QueueSettings {
  const w = config.workingHours;
  return {
    timescales: { RED: toTimescale(config.timescales.RED), AMBER: toTimescale(config.timescales.AMBER), GREEN: toTimescale(config.timescales.GREEN) },
    calendar: { timeZone: w.timeZone, days: w.days.map((d) => WEEKDAYS.indexOf(d) + 1), startMinute: w.start, endMinute: w.end, holidays: new Set(w.holidays) },
    maxExtensionWorkingDays: config.maxExtension.workingDays,
    accessGraceWorkingDays: config.accessGrace.workingDays,
    referralMaxAgeMs: config.referral.maxAgeDays * 24 * HOUR_MS,
    referralTextMaxLength: config.referral.textMaxLength,
    pageSize: config.pageSize,
  };
}

/** The settings when the file has no `queue:` section. */
export const defaultQueueSettings = (): QueueSettings => queueSettings(queueConfigSchema.parse({}));
