/**
 * Reads the CSV files beside the CTFs, recognised by their header row:
 * - an attendance extract (UPN, LAEstab, PeriodStart, PeriodEnd, SessionsPossible, ...);
 * - the LA's children missing education / elective home education registers (RecordId, Register, ...);
 * - a schools directory shaped like a Get Information About Schools extract (URN, EstablishmentNumber, ...).
 * A file that is not CSV, or whose header matches none of them, is refused with a reason; a row
 * that fails validation is left out and reported by its line number, never by its content.
 */
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { describeIssue } from './ctf.js';
import { isValidUpn, normaliseUpn } from './upn.js';

const date = z.string().trim().regex(/^\d{4}-\d{2}-\d{2}$/, 'is not a date');
const optText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));
const optDate = z.union([z.literal(''), date]).optional().transform((v) => (v ? v : undefined));
const count = z.string().trim().regex(/^\d{1,6}$/, 'is not a whole number').transform(Number);
const upn = z.string().trim().transform(normaliseUpn).refine(isValidUpn, 'fails its check letter');

const AttendanceRowSchema = z.object({
  UPN: upn,
  LAEstab: z.string().trim().regex(/^\d{7}$/, 'is not an LA and establishment number'),
  PeriodStart: date,
  PeriodEnd: date,
  SessionsPossible: count,
  AuthorisedAbsence: count,
  UnauthorisedAbsence: count,
});
export type AttendanceRow = z.infer<typeof AttendanceRowSchema>;

const RegisterRowSchema = z.object({
  RecordId: z.string().trim().min(1, 'is empty'),
  Register: z.enum(['CME', 'EHE']),
  UPN: upn,
  Surname: z.string().trim().min(1, 'is empty'),
  Forename: z.string().trim().min(1, 'is empty'),
  DOB: date,
  Gender: optText,
  AddressLine1: optText,
  AddressLine2: optText,
  Town: optText,
  Postcode: optText,
  UPRN: optText,
  StartDate: date,
  EndDate: optDate,
  Reason: optText,
  Outcome: optText,
  OfficerName: optText,
  OfficerRole: optText,
  OfficerPhone: optText,
  OfficerEmail: optText,
  LastUpdated: z.string().trim().refine((v) => !Number.isNaN(Date.parse(v)), 'is not a date-time'),
});
export type RegisterRow = z.infer<typeof RegisterRowSchema>;

const DirectoryRowSchema = z.object({
  URN: optText,
  'LA (code)': z.string().trim().regex(/^\d{3}$/, 'is not an LA code'),
  EstablishmentNumber: z.string().trim().regex(/^\d{4}$/, 'is not an establishment number'),
  EstablishmentName: z.string().trim().min(1, 'is empty'),
  TelephoneNum: optText,
  SafeguardingLeadName: optText,
  SafeguardingLeadEmail: optText,
});
export type DirectoryRow = z.infer<typeof DirectoryRowSchema>;

export type CsvParse =
  | { ok: true; kind: 'attendance'; rows: AttendanceRow[]; rowProblems: string[] }
  | { ok: true; kind: 'register'; rows: RegisterRow[]; rowProblems: string[] }
  | { ok: true; kind: 'directory'; rows: DirectoryRow[]; rowProblems: string[] }
  | { ok: false; reason: string };

function kindOf(header: readonly string[]): 'attendance' | 'register' | 'directory' | undefined {
  const has = (...names: string[]): boolean => names.every((n) => header.includes(n));
  if (has('UPN', 'LAEstab', 'SessionsPossible')) return 'attendance';
  if (has('RecordId', 'Register', 'UPN')) return 'register';
  if (has('EstablishmentNumber', 'LA (code)')) return 'directory';
  return undefined;
}

function rowsOf<S extends z.ZodType>(schema: S, records: ReadonlyArray<Record<string, string>>, problems: string[]): Array<z.infer<S>> {
  const rows: Array<z.infer<S>> = [];
  records.forEach((record, index) => {
    const parsed = schema.safeParse(record);
    // +2: line 1 is the header.
    if (parsed.success) rows.push(parsed.data);
    else problems.push(`row ${index + 2}: ${describeIssue(parsed.error)}`);
  });
  return rows;
}

export function parseEducationCsv(text: string): CsvParse {
  let records: Array<Record<string, string>>;
  let header: string[] = [];
  try {
    records = parse(text, {
      bom: true,
      columns: (names: string[]) => {
        header = names.map((n) => n.trim());
        return header;
      },
      skip_empty_lines: true,
      trim: true,
    }) as Array<Record<string, string>>;
  } catch (error) {
    // The parser's code and line number only: its message can quote the offending field.
    const code = (error as { code?: unknown }).code;
    const lines = (error as { lines?: unknown }).lines;
    const where = [typeof code === 'string' ? code : undefined, typeof lines === 'number' ? `at line ${lines}` : undefined].filter(Boolean).join(' ');
    return { ok: false, reason: `not valid CSV${where ? ` (${where})` : ''}` };
  }
  const kind = kindOf(header);
  if (!kind) return { ok: false, reason: 'unrecognised CSV layout (not an attendance extract, LA register or schools directory)' };
  const rowProblems: string[] = [];
  switch (kind) {
    case 'attendance':
      return { ok: true, kind, rows: rowsOf(AttendanceRowSchema, records, rowProblems), rowProblems };
    case 'register':
      return { ok: true, kind, rows: rowsOf(RegisterRowSchema, records, rowProblems), rowProblems };
    default:
      return { ok: true, kind, rows: rowsOf(DirectoryRowSchema, records, rowProblems), rowProblems };
  }
}
