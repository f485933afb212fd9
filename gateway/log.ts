import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Operational logging. Invariant 5: these logs carry no personal data. Code logs ids
 * (request, enquiry, event, connector) and counts, never names, dates of birth, NHS numbers,
 * addresses or tokens; the redact list is a second line of defence for keys that might slip in.
 */
export const REDACT_PATHS = [
  'authorization',
  'token',
  'headers.authorization',
  'req.headers.authorization',
  '*.authorization',
  '*.token',
  '*.name',
  '*.names',
  '*.given',
  '*.family',
  '*.birthDate',
  '*.nhsNumber',
  '*.address',
  '*.addresses',
  '*.postalCode',
  'variables',
  '*.variables',
  'query',
];

export type { Logger };

export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'mash-gateway' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}

/** A logger that discards everything: for tests and for library code given no logger. */
export const silentLogger: Logger = pino({ level: 'silent' });
