/**
 * Renders the education view as the files a local authority's education data hub receives:
 * one DfE Common Transfer File (CTF XML) per school per export, one attendance extract (CSV) per
 * school, the LA's children missing education / elective home education registers (CSV) and a
 * schools directory shaped like a Get Information About Schools (GIAS) extract (CSV).
 * Pure functions: the same view gives the same bytes.
 */
import { XMLBuilder } from 'fast-xml-parser';
import type { AttendancePeriod, EducationSchool, EducationView, Pupil, RegisterEntry } from '../county/views/education.js';
import type { PlaceAddress } from '../county/model.js';

/** CTF version written in the header (the DfE revises the CTF each school year). */
export const CTF_VERSION = '26.0';
/** Destination establishment code for the LA's education data hub (sandbox convention). */
export const LA_HUB_ESTAB = 'LLLL';

export interface CtfExport {
  /** `YYYY-MM-DDThh:mm:ss` (CTF header DateTime, UK time as written by the MIS). */
  dateTime: string;
  /** File sequence number for the day (`_001`). */
  sequence?: number;
  /** `full` (the school's whole roll, superseding earlier full exports) or `partial`. */
  qualifier?: 'full' | 'partial';
}

const builder = new XMLBuilder({ format: true, indentBy: '  ', ignoreAttributes: false, suppressEmptyNode: true });

type XmlValue = string | number | XmlObject | XmlValue[] | undefined;
interface XmlObject {
  [key: string]: XmlValue;
}

/** Drops undefined members so absent data writes no element at all. */
function compact(value: XmlObject): XmlObject {
  const out: XmlObject = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v;
  return out;
}

export function ctfFileName(school: Pick<EducationSchool, 'laEstab' | 'lea'>, sequence = 1): string {
  return `${school.laEstab}_CTF_${school.lea}${LA_HUB_ESTAB}_${String(sequence).padStart(3, '0')}.XML`;
}

export function attendanceFileName(school: Pick<EducationSchool, 'laEstab'>, asOf: string): string {
  return `${school.laEstab}_attendance_${asOf.replace(/-/g, '')}.csv`;
}

export function registerFileName(lea: string, asOf: string): string {
  return `${lea}_la-registers_${asOf.replace(/-/g, '')}.csv`;
}

export function directoryFileName(lea: string, asOf: string): string {
  return `${lea}_establishments_${asOf.replace(/-/g, '')}.csv`;
}

/** BS7666: secondary addressable object (the flat), primary (number or building), street. */
function bs7666(address: PlaceAddress): XmlObject {
  let saon: string | undefined;
  let rest = address.line1;
  if (address.line2) {
    saon = address.line1;
    rest = address.line2;
  }
  const m = /^(.*?\d+[A-Za-z]?)\s+(.+)$/.exec(rest);
  return compact({
    SAON: saon,
    PAON: m ? m[1] : rest,
    Street: m ? m[2] : undefined,
    Town: address.city,
    UniquePropertyReferenceNumber: address.uprn,
  });
}

function attendanceYear(period: AttendancePeriod, school: EducationSchool): XmlObject {
  return {
    Year: String(period.academicYear),
    LEA: school.lea,
    Estab: school.estab,
    SchoolName: school.name,
    SessionsPossible: String(period.possible),
    SessionsAuthorised: String(period.authorised),
    SessionsUnauthorised: String(period.unauthorised),
    AttendanceStartDate: period.from,
  };
}

function pupilElement(pupil: Pupil, schools: ReadonlyMap<string, EducationSchool>): XmlObject {
  const schoolOf = (id: string): EducationSchool => {
    const school = schools.get(id);
    if (!school) throw new Error(`no school ${id}`);
    return school;
  };
  return compact({
    UPN: pupil.upn,
    Surname: pupil.surname,
    Forename: pupil.forename,
    DOB: pupil.birthDate,
    Gender: pupil.gender,
    BasicDetails: compact({
      PreferredSurname: pupil.preferredSurname,
      PreferredForename: pupil.preferredForename,
      MiddleNames: pupil.middleNames.length > 0 ? pupil.middleNames.join(' ') : undefined,
      NCyearActual: pupil.ncYear === 0 ? 'R' : String(pupil.ncYear),
      EnrolStatus: 'C',
    }),
    SENhistory: pupil.sen
      ? {
          SEN: [{ StartDate: pupil.sen.startDate, SENprovision: pupil.sen.provision }],
          SENneeds: { SENneed: pupil.sen.needs.map((need, i) => ({ SENtypeRank: String(i + 1), SENtype: need })) },
        }
      : undefined,
    Address: { BS7666Address: bs7666(pupil.address), Postcode: pupil.address.postcode },
    Contacts:
      pupil.contacts.length > 0
        ? {
            Contact: pupil.contacts.map((c) =>
              compact({
                Order: String(c.order),
                Title: c.title,
                Surname: c.surname,
                Forename: c.forename,
                Gender: c.gender,
                Relationship: c.relationship,
                Responsibility: c.responsibility ? 'true' : 'false',
                AddressAsPupil: c.addressAsPupil ? 'true' : 'false',
                Address: !c.addressAsPupil && c.address ? { BS7666Address: bs7666(c.address), Postcode: c.address.postcode } : undefined,
                Phones: { Phone: [{ TelephoneType: 'M', PhoneNo: c.phone }] },
                Email: c.email,
              }),
            ),
          }
        : undefined,
    Attendance: pupil.attendance.length > 0 ? { YearData: pupil.attendance.map((p) => attendanceYear(p, schoolOf(p.schoolId))) } : undefined,
    Exclusions:
      pupil.exclusions.length > 0
        ? {
            Exclusion: pupil.exclusions.map((e) => {
              const school = schoolOf(e.schoolId);
              return { LEA: school.lea, Estab: school.estab, StartDate: e.startDate, Category: e.category, Reason: e.reason, Sessions: String(e.sessions) };
            }),
          }
        : undefined,
    SchoolHistory: {
      School: pupil.history.map((spell) => {
        const school = schoolOf(spell.schoolId);
        return compact({
          LEA: school.lea,
          Estab: school.estab,
          SchoolName: school.name,
          EntryDate: spell.entryDate,
          LeavingDate: spell.leavingDate,
          LeavingReason: spell.leavingReason,
        });
      }),
    },
  });
}

/** One school's CTF: the header names the school and the LA hub; one Pupil per child on roll. */
export function renderCtf(view: EducationView, school: EducationSchool, pupils: readonly Pupil[], exported: CtfExport): string {
  const schools = new Map(view.schools.map((s) => [s.schoolId, s]));
  const document = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    CTfile: {
      Header: {
        DocumentName: 'Common Transfer File',
        CTFversion: CTF_VERSION,
        DateTime: exported.dateTime,
        DocumentQualifier: exported.qualifier ?? 'full',
        SupplierID: 'Marlshire sandbox MIS',
        SourceSchool: { LEA: school.lea, Estab: school.estab, URN: school.urn, SchoolName: school.name, AcademicYear: String(view.academicYear) },
        DestSchool: { LEA: view.lea, Estab: LA_HUB_ESTAB },
      },
      CTFpupilData: pupils.length > 0 ? { Pupil: pupils.map((p) => pupilElement(p, schools)) } : '',
    },
  };
  return builder.build(document) as string;
}

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
export function csvField(value: string | number | undefined): string {
  const text = value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLines(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | undefined>>): string {
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export const ATTENDANCE_HEADER = [
  'UPN', 'Surname', 'Forename', 'DOB', 'LAEstab', 'PeriodStart', 'PeriodEnd',
  'SessionsPossible', 'SessionsPresent', 'AuthorisedAbsence', 'UnauthorisedAbsence',
] as const;

/** The school's attendance extract for the current term to date. */
export function renderAttendanceCsv(school: EducationSchool, pupils: readonly Pupil[]): string {
  const rows = pupils
    .filter((p) => p.termAttendance !== undefined)
    .map((p) => {
      const t = p.termAttendance as AttendancePeriod;
      return [p.upn, p.surname, p.forename, p.birthDate, school.laEstab, t.from, t.to, t.possible, t.possible - t.authorised - t.unauthorised, t.authorised, t.unauthorised];
    });
  return csvLines(ATTENDANCE_HEADER, rows);
}

export const REGISTER_HEADER = [
  'RecordId', 'Register', 'UPN', 'Surname', 'Forename', 'DOB', 'Gender', 'AddressLine1', 'AddressLine2', 'Town',
  'Postcode', 'UPRN', 'StartDate', 'EndDate', 'Reason', 'Outcome', 'OfficerName', 'OfficerRole', 'OfficerPhone',
  'OfficerEmail', 'LastUpdated',
] as const;

export function renderRegisterCsv(entries: readonly RegisterEntry[]): string {
  return csvLines(
    REGISTER_HEADER,
    entries.map((e) => [
      e.id, e.register, e.upn, e.surname, e.forename, e.birthDate, e.gender, e.address.line1, e.address.line2, e.address.city,
      e.address.postcode, e.address.uprn, e.start, e.end, e.reason, e.outcome, e.officer.name, e.officer.role, e.officer.phone,
      e.officer.email, e.lastUpdated,
    ]),
  );
}

export const DIRECTORY_HEADER = [
  'URN', 'LA (code)', 'EstablishmentNumber', 'EstablishmentName', 'PhaseOfEducation (name)', 'Street', 'Town', 'Postcode',
  'TelephoneNum', 'HeadTitle (name)', 'HeadFirstName', 'HeadLastName', 'SafeguardingLeadName', 'SafeguardingLeadEmail',
] as const;

/** GIAS-shaped establishment list, with the LA's own two columns for each school's DSL. */
export function renderDirectoryCsv(schools: readonly EducationSchool[]): string {
  return csvLines(
    DIRECTORY_HEADER,
    schools.map((s) => [
      s.urn, s.lea, s.estab, s.name, s.phase === 'primary' ? 'Primary' : 'Secondary', s.address.line1, s.address.city, s.address.postcode,
      s.phone, s.headteacher.title, s.headteacher.first, s.headteacher.last, s.safeguardingLead.name, s.safeguardingLead.email,
    ]),
  );
}

/** Every file of one export, by file name. */
export function renderEducationExport(view: EducationView): Map<string, string> {
  const files = new Map<string, string>();
  const asOf = view.exportedAt.slice(0, 10);
  const dateTime = view.exportedAt.slice(0, 19);
  const bySchool = new Map<string, Pupil[]>();
  for (const pupil of view.pupils) {
    const list = bySchool.get(pupil.schoolId) ?? [];
    list.push(pupil);
    bySchool.set(pupil.schoolId, list);
  }
  files.set(directoryFileName(view.lea, asOf), renderDirectoryCsv(view.schools));
  for (const school of view.schools) {
    const pupils = bySchool.get(school.schoolId) ?? [];
    files.set(ctfFileName(school), renderCtf(view, school, pupils, { dateTime }));
    files.set(attendanceFileName(school, asOf), renderAttendanceCsv(school, pupils));
  }
  files.set(registerFileName(view.lea, asOf), renderRegisterCsv(view.register));
  return files;
}
