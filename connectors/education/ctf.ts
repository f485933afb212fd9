/**
 * Reads a DfE Common Transfer File (CTF XML). The XML must be well formed and the header must
 * name its source school; otherwise the whole file is refused with a reason. A pupil that fails
 * validation is left out and reported by position ("pupil 3: DOB is not a date"), never by name
 * or UPN, while the rest of the file loads. Reasons carry no personal data: only line numbers,
 * element paths and positions.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';
import type { Address } from '../sdk/index.js';
import { isValidUpn, normaliseUpn } from './upn.js';

/** Elements that repeat in a CTF; parsed as arrays even when one is present. */
const REPEATED = new Set(['Pupil', 'SEN', 'SENneed', 'YearData', 'Exclusion', 'School', 'Contact', 'Phone']);

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => REPEATED.has(name),
});

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Text content; empty elements parse as ''. */
const text = z.string().transform((v) => v.trim());
const optText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));
const date = z.string().trim().regex(ISO_DATE, 'is not a date');
const optDate = z.union([z.literal(''), date]).optional().transform((v) => (v ? v : undefined));
const count = z.string().trim().regex(/^\d{1,6}$/, 'is not a whole number').transform(Number);
const optCount = z.union([z.literal(''), count]).optional().transform((v) => (v === '' ? undefined : v));
/** An element that may be empty ('') or hold children. */
const section = <T extends z.ZodType>(inner: T) => z.union([z.literal(''), inner]).optional().transform((v) => (v === '' ? undefined : v));

const HeaderSchema = z.object({
  DocumentName: optText,
  CTFversion: optText,
  DateTime: z.string().trim().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/, 'is not a date-time'),
  DocumentQualifier: optText,
  SourceSchool: z.object({
    LEA: z.string().trim().regex(/^\d{3}$/, 'is not an LA code'),
    Estab: z.string().trim().regex(/^\d{4}$/, 'is not an establishment number'),
    URN: optText,
    SchoolName: optText,
    AcademicYear: optText,
  }),
});

const AddressSchema = z.object({
  BS7666Address: section(
    z.object({
      SAON: optText,
      PAON: optText,
      Street: optText,
      Locality: optText,
      Town: optText,
      PostTown: optText,
      UniquePropertyReferenceNumber: optText,
    }),
  ),
  AddressLines: section(z.object({ AddressLine1: optText, AddressLine2: optText, AddressLine3: optText, AddressLine4: optText, AddressLine5: optText })),
  Postcode: optText,
});

const PupilSchema = z.object({
  UPN: z.string().trim().transform(normaliseUpn).refine(isValidUpn, 'fails its check letter'),
  Surname: text.pipe(z.string().min(1, 'is empty')),
  Forename: text.pipe(z.string().min(1, 'is empty')),
  DOB: date,
  Gender: z.union([z.enum(['M', 'F', 'U']), z.literal('')]).optional().transform((v) => (v ? v : undefined)),
  Sex: z.union([z.enum(['M', 'F', 'U']), z.literal('')]).optional().transform((v) => (v ? v : undefined)),
  BasicDetails: section(
    z.object({
      FormerUPN: optText,
      PreferredSurname: optText,
      FormerSurname: optText,
      PreferredForename: optText,
      MiddleNames: optText,
      NCyearActual: optText,
      EnrolStatus: optText,
    }),
  ),
  SENhistory: section(
    z.object({
      SEN: z.array(z.object({ StartDate: optDate, SENprovision: z.string().trim() })).optional(),
      SENneeds: section(z.object({ SENneed: z.array(z.object({ SENtypeRank: optCount, SENtype: z.string().trim() })).optional() })),
    }),
  ),
  Address: section(AddressSchema),
  // Each contact is checked on its own (ContactSchema): a bad contact leaves the pupil in.
  Contacts: section(z.object({ Contact: z.array(z.unknown()).optional() })),
  Attendance: section(
    z.object({
      YearData: z
        .array(
          z.object({
            Year: z.string().trim().regex(/^\d{4}$/, 'is not a year').transform(Number),
            LEA: optText,
            Estab: optText,
            SchoolName: optText,
            SessionsPossible: count,
            SessionsAuthorised: count,
            SessionsUnauthorised: count,
            AttendanceStartDate: optDate,
          }),
        )
        .optional(),
    }),
  ),
  Exclusions: section(
    z.object({
      Exclusion: z
        .array(
          z.object({
            LEA: optText,
            Estab: optText,
            StartDate: date,
            Category: z.string().trim().min(1),
            Reason: optText,
            Sessions: optCount,
          }),
        )
        .optional(),
    }),
  ),
  SchoolHistory: section(
    z.object({
      School: z
        .array(
          z.object({
            LEA: optText,
            Estab: optText,
            SchoolName: optText,
            EntryDate: optDate,
            LeavingDate: optDate,
            LeavingReason: optText,
          }),
        )
        .optional(),
    }),
  ),
});

const flag = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : /^(true|1|y|yes)$/i.test(v)));

/** CTF `Contacts/Contact`: a person the school contacts about the pupil. */
const ContactSchema = z.object({
  Order: optCount,
  Title: optText,
  Surname: text.pipe(z.string().min(1, 'is empty')),
  Forename: text.pipe(z.string().min(1, 'is empty')),
  MiddleNames: optText,
  Gender: z.union([z.enum(['M', 'F', 'U']), z.literal('')]).optional().transform((v) => (v ? v : undefined)),
  Relationship: z.string().trim().max(8, 'is not a relationship code').optional().transform((v) => (v ? v.toUpperCase() : undefined)),
  Responsibility: flag,
  AddressAsPupil: flag,
  Address: section(AddressSchema),
  Phones: section(z.object({ Phone: z.array(z.object({ TelephoneType: optText, PhoneNo: optText })).optional() })),
  Email: optText,
});

/** A pupil contact as the file gives it; `address` is the pupil's when AddressAsPupil. */
export interface CtfContact {
  /** Position in the file's contact list, 1-based (the file's Order where given). */
  order: number;
  title?: string;
  surname: string;
  forename: string;
  middleNames: string[];
  gender?: 'M' | 'F' | 'U';
  /** DfE "Relationship to pupil" code, upper case (PAM, PAF, STP, CAR, OTH, ...). */
  relationship?: string;
  responsibility?: boolean;
  addressAsPupil: boolean;
  address?: Address;
  phones: string[];
  email?: string;
}

export interface CtfSchool {
  lea: string;
  estab: string;
  /** LA code and establishment number: the school's key. */
  laEstab: string;
  urn?: string;
  name?: string;
}

export interface CtfAttendance {
  year: number;
  laEstab?: string;
  schoolName?: string;
  possible: number;
  authorised: number;
  unauthorised: number;
  startDate?: string;
}

export interface CtfExclusion {
  laEstab?: string;
  startDate: string;
  category: string;
  reason?: string;
  sessions?: number;
}

export interface CtfSchoolSpell {
  laEstab?: string;
  schoolName?: string;
  entryDate?: string;
  leavingDate?: string;
  leavingReason?: string;
}

export interface CtfPupil {
  upn: string;
  formerUpn?: string;
  surname: string;
  forename: string;
  middleNames: string[];
  preferredForename?: string;
  preferredSurname?: string;
  formerSurname?: string;
  birthDate: string;
  gender?: 'M' | 'F' | 'U';
  ncYear?: string;
  enrolStatus?: string;
  address?: Address;
  sen?: { provision: string; startDate?: string; needs: string[] };
  attendance: CtfAttendance[];
  exclusions: CtfExclusion[];
  history: CtfSchoolSpell[];
  contacts: CtfContact[];
}

export interface Ctf {
  /** Header DateTime as ISO 8601 (a time without an offset is read as UTC). */
  dateTime: string;
  qualifier: 'full' | 'partial';
  source: CtfSchool;
  pupils: CtfPupil[];
}

export type CtfParse = { ok: true; ctf: Ctf; pupilProblems: string[] } | { ok: false; reason: string };

/** A zod issue as `path message`, without the offending value. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'is invalid';
  const path = issue.path.filter((p) => typeof p === 'string').join('.');
  const message = issue.code === 'invalid_type' ? 'is missing or of the wrong type' : issue.message;
  return path ? `${path} ${message}` : message;
}

function laEstabOf(lea: string | undefined, estab: string | undefined): string | undefined {
  return lea && estab && /^\d{3}$/.test(lea) && /^\d{4}$/.test(estab) ? `${lea}${estab}` : undefined;
}

function toAddress(raw: z.infer<typeof AddressSchema> | undefined): Address | undefined {
  if (!raw) return undefined;
  const bs = raw.BS7666Address;
  const out: Address = {};
  if (bs) {
    const primary = [bs.PAON, bs.Street].filter(Boolean).join(' ');
    if (bs.SAON) {
      out.line1 = bs.SAON;
      if (primary) out.line2 = primary;
    } else if (primary) {
      out.line1 = primary;
      if (bs.Locality) out.line2 = bs.Locality;
    }
    const city = bs.Town ?? bs.PostTown;
    if (city) out.city = city;
    if (bs.UniquePropertyReferenceNumber) out.uprn = bs.UniquePropertyReferenceNumber;
  } else if (raw.AddressLines) {
    const lines = [raw.AddressLines.AddressLine1, raw.AddressLines.AddressLine2, raw.AddressLines.AddressLine3, raw.AddressLines.AddressLine4, raw.AddressLines.AddressLine5].filter(
      (l): l is string => l !== undefined,
    );
    if (lines[0]) out.line1 = lines[0];
    if (lines.length > 2) out.line2 = lines.slice(1, -1).join(', ');
    if (lines.length > 1) out.city = lines[lines.length - 1];
  }
  if (raw.Postcode) out.postalCode = raw.Postcode.toUpperCase();
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The pupil's contacts that can be read, and a reason (position only) for each left out. */
function toContacts(raw: z.infer<typeof PupilSchema>, pupilAddress: Address | undefined): { contacts: CtfContact[]; problems: string[] } {
  const contacts: CtfContact[] = [];
  const problems: string[] = [];
  const orders = new Set<number>();
  (raw.Contacts?.Contact ?? []).forEach((item, index) => {
    const parsed = ContactSchema.safeParse(item);
    if (!parsed.success) {
      problems.push(`contact ${index + 1}: ${describeIssue(parsed.error)}`);
      return;
    }
    const c = parsed.data;
    // The file's Order where it is usable and unique, else the position: the contact's id uses it.
    const order = c.Order !== undefined && c.Order > 0 && !orders.has(c.Order) ? c.Order : index + 1;
    if (orders.has(order)) {
      problems.push(`contact ${index + 1}: Order repeats another contact's`);
      return;
    }
    orders.add(order);
    const asPupil = c.AddressAsPupil === true || (c.AddressAsPupil === undefined && c.Address === undefined);
    const address = asPupil ? pupilAddress : toAddress(c.Address);
    contacts.push({
      order,
      ...(c.Title ? { title: c.Title } : {}),
      surname: c.Surname,
      forename: c.Forename,
      middleNames: c.MiddleNames ? c.MiddleNames.split(/\s+/) : [],
      ...(c.Gender ? { gender: c.Gender } : {}),
      ...(c.Relationship ? { relationship: c.Relationship } : {}),
      ...(c.Responsibility !== undefined ? { responsibility: c.Responsibility } : {}),
      addressAsPupil: asPupil,
      ...(address ? { address } : {}),
      phones: (c.Phones?.Phone ?? []).map((p) => p.PhoneNo).filter((p): p is string => p !== undefined),
      ...(c.Email ? { email: c.Email } : {}),
    });
  });
  return { contacts, problems };
}

function toPupil(raw: z.infer<typeof PupilSchema>): CtfPupil {
  const basic = raw.BasicDetails;
  const senEntries = raw.SENhistory?.SEN ?? [];
  const latestSen = [...senEntries].sort((a, b) => (a.StartDate ?? '').localeCompare(b.StartDate ?? '')).pop();
  const needs = [...(raw.SENhistory?.SENneeds?.SENneed ?? [])]
    .sort((a, b) => (a.SENtypeRank ?? 99) - (b.SENtypeRank ?? 99))
    .map((n) => n.SENtype.toUpperCase())
    .filter(Boolean);
  const formerUpn = basic?.FormerUPN ? normaliseUpn(basic.FormerUPN) : undefined;
  return {
    upn: raw.UPN,
    ...(formerUpn && isValidUpn(formerUpn) ? { formerUpn } : {}),
    surname: raw.Surname,
    forename: raw.Forename,
    middleNames: basic?.MiddleNames ? basic.MiddleNames.split(/\s+/) : [],
    ...(basic?.PreferredForename ? { preferredForename: basic.PreferredForename } : {}),
    ...(basic?.PreferredSurname ? { preferredSurname: basic.PreferredSurname } : {}),
    ...(basic?.FormerSurname ? { formerSurname: basic.FormerSurname } : {}),
    birthDate: raw.DOB,
    ...((raw.Gender ?? raw.Sex) ? { gender: raw.Gender ?? raw.Sex } : {}),
    ...(basic?.NCyearActual ? { ncYear: basic.NCyearActual } : {}),
    ...(basic?.EnrolStatus ? { enrolStatus: basic.EnrolStatus } : {}),
    ...(raw.Address ? { address: toAddress(raw.Address) } : {}),
    ...(latestSen ? { sen: { provision: latestSen.SENprovision.toUpperCase(), ...(latestSen.StartDate ? { startDate: latestSen.StartDate } : {}), needs } } : {}),
    attendance: (raw.Attendance?.YearData ?? []).map((y) => ({
      year: y.Year,
      ...(laEstabOf(y.LEA, y.Estab) ? { laEstab: laEstabOf(y.LEA, y.Estab) } : {}),
      ...(y.SchoolName ? { schoolName: y.SchoolName } : {}),
      possible: y.SessionsPossible,
      authorised: y.SessionsAuthorised,
      unauthorised: y.SessionsUnauthorised,
      ...(y.AttendanceStartDate ? { startDate: y.AttendanceStartDate } : {}),
    })),
    exclusions: (raw.Exclusions?.Exclusion ?? []).map((e) => ({
      ...(laEstabOf(e.LEA, e.Estab) ? { laEstab: laEstabOf(e.LEA, e.Estab) } : {}),
      startDate: e.StartDate,
      category: e.Category.toUpperCase(),
      ...(e.Reason ? { reason: e.Reason.toUpperCase() } : {}),
      ...(e.Sessions !== undefined ? { sessions: e.Sessions } : {}),
    })),
    history: (raw.SchoolHistory?.School ?? []).map((s) => ({
      ...(laEstabOf(s.LEA, s.Estab) ? { laEstab: laEstabOf(s.LEA, s.Estab) } : {}),
      ...(s.SchoolName ? { schoolName: s.SchoolName } : {}),
      ...(s.EntryDate ? { entryDate: s.EntryDate } : {}),
      ...(s.LeavingDate ? { leavingDate: s.LeavingDate } : {}),
      ...(s.LeavingReason ? { leavingReason: s.LeavingReason } : {}),
    })),
    contacts: [],
  };
}

export function parseCtf(xml: string): CtfParse {
  const wellFormed = XMLValidator.validate(xml);
  if (wellFormed !== true) {
    // Line and column only: the validator's message can quote the file's content.
    return { ok: false, reason: `not well-formed XML (${wellFormed.err.code} at line ${wellFormed.err.line}, column ${wellFormed.err.col}): truncated or corrupt` };
  }
  let document: unknown;
  try {
    document = parser.parse(xml);
  } catch {
    return { ok: false, reason: 'not well-formed XML (truncated or corrupt)' };
  }
  const root = (document as { CTfile?: unknown } | undefined)?.CTfile;
  if (root === undefined || root === null || typeof root !== 'object') {
    return { ok: false, reason: 'not a Common Transfer File (no CTfile root element)' };
  }
  const header = HeaderSchema.safeParse((root as { Header?: unknown }).Header);
  if (!header.success) return { ok: false, reason: `CTF header: ${describeIssue(header.error)}` };
  const h = header.data;
  const data = (root as { CTFpupilData?: unknown }).CTFpupilData;
  const rawPupils: unknown[] = data && typeof data === 'object' ? ((data as { Pupil?: unknown[] }).Pupil ?? []) : [];

  const pupils: CtfPupil[] = [];
  const pupilProblems: string[] = [];
  rawPupils.forEach((raw, index) => {
    const parsed = PupilSchema.safeParse(raw);
    if (parsed.success) {
      const pupil = toPupil(parsed.data);
      const { contacts, problems } = toContacts(parsed.data, pupil.address);
      pupils.push({ ...pupil, contacts });
      for (const problem of problems) pupilProblems.push(`pupil ${index + 1}: ${problem} (the contact is left out)`);
    } else pupilProblems.push(`pupil ${index + 1}: ${describeIssue(parsed.error)}`);
  });
  const exportedAt = Date.parse(/(Z|[+-]\d{2}:\d{2})$/.test(h.DateTime) ? h.DateTime : `${h.DateTime}Z`);
  if (Number.isNaN(exportedAt)) return { ok: false, reason: 'CTF header: DateTime is not a date-time' };
  return {
    ok: true,
    ctf: {
      dateTime: new Date(exportedAt).toISOString(),
      qualifier: h.DocumentQualifier?.toLowerCase() === 'partial' ? 'partial' : 'full',
      source: {
        lea: h.SourceSchool.LEA,
        estab: h.SourceSchool.Estab,
        laEstab: `${h.SourceSchool.LEA}${h.SourceSchool.Estab}`,
        ...(h.SourceSchool.URN ? { urn: h.SourceSchool.URN } : {}),
        ...(h.SourceSchool.SchoolName ? { name: h.SourceSchool.SchoolName } : {}),
      },
      pupils,
    },
    pupilProblems,
  };
}
