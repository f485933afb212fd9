/**
 * The loaded files -> one index of pupils (SourcePerson) and their records (SourceRecord), pure.
 *
 * Which file wins:
 * - a school's newest `full` CTF (header DateTime, then file name) supersedes its earlier full
 *   exports; `partial` CTFs (a single transfer, say) add to them;
 * - a pupil's identity comes from the newest CTF that carries them, or from the LA register when
 *   no CTF does;
 * - the same record in several files (a school history carried forward, an attendance year in a
 *   CTF and in an extract) is kept once: attendance by the latest period end, everything else by
 *   the newest file.
 */
import { ORGANISATION_SYSTEMS, type Address, type AgencyContact, type PersonName, type Provenance, type RecordField, type SourcePerson, type SourceRecord } from '../sdk/index.js';
import {
  AGENCY,
  CATEGORY,
  EXCLUSION_REASON_LABELS,
  PERSISTENT_ABSENCE_BELOW,
  SEN_NEED_LABELS,
  SEVERE_ABSENCE_BELOW,
  RECORD_TIER,
  SYSTEMS,
} from './codes.js';
import type { Ctf, CtfPupil } from './ctf.js';
import type { AttendanceRow, DirectoryRow, RegisterRow } from './csv.js';
import { buildHouseholdIndex, type HouseholdIndex, type PupilHouseholdSource } from './household.js';

export type LoadedFile =
  | { name: string; kind: 'ctf'; ctf: Ctf }
  | { name: string; kind: 'attendance'; rows: AttendanceRow[] }
  | { name: string; kind: 'register'; rows: RegisterRow[] }
  | { name: string; kind: 'directory'; rows: DirectoryRow[] };

export interface SearchKeys {
  families: string[];
  givens: string[];
  birthDates: string[];
  postcodes: string[];
}

export interface PupilEntry {
  person: SourcePerson;
  keys: SearchKeys;
}

export interface EducationIndex {
  persons: ReadonlyMap<string, PupilEntry>;
  /** Former UPN -> current UPN. */
  formerUpns: ReadonlyMap<string, string>;
  records: ReadonlyMap<string, SourceRecord[]>;
  /** Contacts, shared contacts and current addresses (connectors/education/household.ts). */
  household: HouseholdIndex;
}

export interface MappingContext {
  /** Provenance system (the directory's location). */
  system: string;
  /** Who to contact when a file names no one (the connector's manifest contact). */
  fallbackContact: AgencyContact;
}

type Fields = Partial<Record<RecordField, string>>;

interface SchoolInfo {
  name?: string;
  phone?: string;
  dslName?: string;
  dslEmail?: string;
}

/** Case- and accent-insensitive form for matching. */
export function fold(value: string): string {
  return value.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().trim();
}

export function foldPostcode(value: string): string {
  return value.replace(/\s+/g, '').toUpperCase();
}

function compact(fields: Record<string, string | undefined>): Fields {
  const out: Fields = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined && value.trim() !== '') out[key as RecordField] = value.trim();
  return out;
}

function academicYearLabel(year: number): string {
  return `${year}/${String((year + 1) % 100).padStart(2, '0')}`;
}

function academicYearOf(isoDate: string): number {
  const [y, m] = isoDate.split('-').map(Number) as [number, number];
  return m >= 8 ? y : y - 1;
}

/** The date `n` school days (weekdays) from `start`, counting `start` as the first. */
function addSchoolDays(start: string, n: number): string {
  const d = new Date(`${start}T00:00:00Z`);
  let left = Math.max(1, n) - 1;
  while (left > 0) {
    d.setUTCDate(d.getUTCDate() + 1);
    const day = d.getUTCDay();
    if (day !== 0 && day !== 6) left--;
  }
  return d.toISOString().slice(0, 10);
}

function percent(value: number): string {
  return `${(Math.round(value * 1000) / 10).toFixed(1)}%`;
}

interface Candidate {
  record: SourceRecord;
  /** Newer wins: ISO date-time of the file (or period end for attendance). */
  rank: string;
}

interface AttendanceItem {
  upn: string;
  laEstab: string | undefined;
  schoolName: string | undefined;
  year: number;
  start: string;
  end: string;
  possible: number;
  authorised: number;
  unauthorised: number;
  recordId: string;
  asOf: string;
}

interface IdentitySource {
  pupil: CtfPupil;
  laEstab: string;
  schoolName: string | undefined;
  asOf: string;
  recordId: string;
}

export function buildIndex(files: readonly LoadedFile[], ctx: MappingContext): EducationIndex {
  const ordered = [...files].sort((a, b) => a.name.localeCompare(b.name));

  // Schools: the directory first, then whatever the CTF headers say.
  const schools = new Map<string, SchoolInfo>();
  for (const file of ordered) {
    if (file.kind !== 'directory') continue;
    for (const row of file.rows) {
      schools.set(`${row['LA (code)']}${row.EstablishmentNumber}`, {
        name: row.EstablishmentName,
        ...(row.TelephoneNum ? { phone: row.TelephoneNum } : {}),
        ...(row.SafeguardingLeadName ? { dslName: row.SafeguardingLeadName } : {}),
        ...(row.SafeguardingLeadEmail ? { dslEmail: row.SafeguardingLeadEmail } : {}),
      });
    }
  }

  // The CTFs in force: each school's newest full export, and every partial one; oldest first.
  const newestFull = new Map<string, { name: string; ctf: Ctf }>();
  const partials: Array<{ name: string; ctf: Ctf }> = [];
  for (const file of ordered) {
    if (file.kind !== 'ctf') continue;
    const { ctf } = file;
    const known = schools.get(ctf.source.laEstab);
    if (!known) schools.set(ctf.source.laEstab, { ...(ctf.source.name ? { name: ctf.source.name } : {}) });
    else if (!known.name && ctf.source.name) known.name = ctf.source.name;
    if (ctf.qualifier === 'partial') {
      partials.push({ name: file.name, ctf });
      continue;
    }
    const current = newestFull.get(ctf.source.laEstab);
    if (!current || ctf.dateTime > current.ctf.dateTime || (ctf.dateTime === current.ctf.dateTime && file.name > current.name)) {
      newestFull.set(ctf.source.laEstab, { name: file.name, ctf });
    }
  }
  const inForce = [...newestFull.values(), ...partials].sort((a, b) => a.ctf.dateTime.localeCompare(b.ctf.dateTime) || a.name.localeCompare(b.name));

  const schoolName = (laEstab: string | undefined, named?: string): string | undefined => (laEstab ? schools.get(laEstab)?.name : undefined) ?? named;
  const schoolContact = (laEstab: string | undefined, named?: string): Fields => {
    const school = laEstab ? schools.get(laEstab) : undefined;
    if (school?.dslName) {
      return compact({ contactName: school.dslName, contactRole: 'Designated Safeguarding Lead', contactPhone: school.phone, contactEmail: school.dslEmail });
    }
    const name = school?.name ?? named;
    if (name) return compact({ contactName: name, contactRole: 'School office', contactPhone: school?.phone });
    return fallback();
  };
  const fallback = (): Fields =>
    compact({ contactName: ctx.fallbackContact.name, contactRole: ctx.fallbackContact.organisation, contactPhone: ctx.fallbackContact.phone, contactEmail: ctx.fallbackContact.email });
  const provenance = (recordId: string, asOf: string): Provenance => ({ system: ctx.system, recordId, asOf });
  // The school an enrolment is with, as a DfE LAESTAB (only a well-formed one: 7 digits).
  const school = (laEstab: string | undefined): Pick<Provenance, 'organisation'> =>
    laEstab !== undefined && /^\d{7}$/.test(laEstab) ? { organisation: { system: ORGANISATION_SYSTEMS.laestab, value: laEstab } } : {};
  const record = (kind: SourceRecord['kind'], upn: string, prov: Provenance, fields: Fields): SourceRecord => ({
    kind,
    agency: AGENCY,
    category: CATEGORY.record,
    tier: RECORD_TIER,
    personId: upn,
    provenance: prov,
    fields,
  });

  const identities = new Map<string, IdentitySource>();
  const candidates = new Map<string, Map<string, Candidate>>();
  const attendance = new Map<string, AttendanceItem>();
  const offer = (upn: string, key: string, candidate: Candidate): void => {
    let forPupil = candidates.get(upn);
    if (!forPupil) candidates.set(upn, (forPupil = new Map()));
    const existing = forPupil.get(key);
    if (!existing || candidate.rank >= existing.rank) forPupil.set(key, candidate);
  };
  const offerAttendance = (item: AttendanceItem): void => {
    const key = `${item.laEstab ?? item.schoolName ?? '?'}/${item.upn}/attendance/${item.year}`;
    const existing = attendance.get(key);
    if (!existing || item.end > existing.end || (item.end === existing.end && item.asOf >= existing.asOf)) attendance.set(key, item);
  };

  for (const { ctf } of inForce) {
    const src = ctf.source.laEstab;
    const exportDate = ctf.dateTime.slice(0, 10);
    for (const pupil of ctf.pupils) {
      const upn = pupil.upn;
      const recordBase = `${src}/${upn}`;
      identities.set(upn, { pupil, laEstab: src, schoolName: schoolName(src, ctf.source.name), asOf: ctf.dateTime, recordId: recordBase });

      // Enrolments: the school history, plus the sending school when the history leaves it out.
      const spells = [...pupil.history];
      if (!spells.some((s) => (s.laEstab ?? src) === src && s.leavingDate === undefined) && pupil.enrolStatus !== undefined && pupil.enrolStatus !== 'L') {
        spells.push({ laEstab: src });
      }
      for (const spell of spells) {
        const at = spell.laEstab ?? src;
        const name = schoolName(at, spell.schoolName);
        const current = spell.leavingDate === undefined;
        const year = current && at === src && pupil.ncYear ? (pupil.ncYear.toUpperCase() === 'R' ? 'Reception' : `Year ${pupil.ncYear}`) : undefined;
        offer(upn, `enrolment/${at}/${spell.entryDate ?? 'unknown'}`, {
          rank: ctf.dateTime,
          record: record('involvement', upn, { ...provenance(`${at}/${upn}/enrolment/${spell.entryDate ?? 'current'}`, ctf.dateTime), ...school(at) }, {
            type: 'school-enrolment',
            title: 'School enrolment',
            status: current ? 'active' : 'finished',
            ...compact({
              start: spell.entryDate,
              end: spell.leavingDate,
              location: name,
              service: name,
              narrative: year ? `${year}; ${pupil.enrolStatus === 'C' || pupil.enrolStatus === undefined ? 'single registration' : `enrolment status ${pupil.enrolStatus}`}` : undefined,
              outcome: spell.leavingReason,
            }),
            ...schoolContact(at, spell.schoolName),
          }),
        });
      }

      for (const year of pupil.attendance) {
        const yearEnd = `${year.year + 1}-07-31`;
        offerAttendance({
          upn,
          laEstab: year.laEstab ?? src,
          schoolName: schoolName(year.laEstab ?? src, year.schoolName),
          year: year.year,
          start: year.startDate ?? `${year.year}-09-01`,
          end: exportDate < yearEnd ? exportDate : yearEnd,
          possible: year.possible,
          authorised: year.authorised,
          unauthorised: year.unauthorised,
          recordId: `${year.laEstab ?? src}/${upn}/attendance/${year.year}`,
          asOf: ctf.dateTime,
        });
      }

      for (const exclusion of pupil.exclusions) {
        const at = exclusion.laEstab ?? src;
        const name = schoolName(at);
        const permanent = exclusion.category === 'PERM';
        const days = exclusion.sessions !== undefined ? exclusion.sessions / 2 : undefined;
        const end = permanent ? undefined : exclusion.sessions !== undefined ? addSchoolDays(exclusion.startDate, Math.ceil(exclusion.sessions / 2)) : undefined;
        const reason = exclusion.reason ? (EXCLUSION_REASON_LABELS[exclusion.reason] ?? `Reason code ${exclusion.reason}`) : undefined;
        offer(upn, `exclusion/${at}/${exclusion.startDate}/${exclusion.category}`, {
          rank: ctf.dateTime,
          record: record('event', upn, provenance(`${at}/${upn}/${permanent ? 'permanent-exclusion' : 'exclusion'}/${exclusion.startDate}`, ctf.dateTime), {
            type: permanent ? 'permanent-exclusion' : 'suspension',
            title: permanent ? 'Permanent exclusion' : 'Suspension',
            status: end !== undefined && end >= exportDate ? 'active' : 'finished',
            ...compact({
              start: exclusion.startDate,
              end,
              location: name,
              service: name,
              narrative: [reason, days !== undefined && !permanent ? `${days} ${days === 1 ? 'day' : 'days'} (${exclusion.sessions} sessions)` : undefined].filter(Boolean).join('; '),
            }),
            ...schoolContact(at),
          }),
        });
      }

      if (pupil.sen && (pupil.sen.provision === 'K' || pupil.sen.provision === 'E' || pupil.sen.provision === 'S')) {
        const ehcp = pupil.sen.provision === 'E' || pupil.sen.provision === 'S';
        const needs = pupil.sen.needs.map((n) => SEN_NEED_LABELS[n] ?? `Need code ${n}`);
        const name = schoolName(src, ctf.source.name);
        offer(upn, 'sen', {
          rank: ctf.dateTime,
          record: record('state', upn, provenance(`${src}/${upn}/sen`, ctf.dateTime), {
            type: ehcp ? 'ehcp' : 'sen-support',
            title: ehcp ? 'Education, health and care plan' : 'SEN support',
            status: 'active',
            ...compact({
              start: pupil.sen.startDate,
              location: name,
              service: ehcp ? 'Education, health and care plan (maintained by the local authority)' : `SEN support at ${name ?? 'school'}`,
              narrative: needs.length > 0 ? `Primary need: ${needs[0]}${needs.length > 1 ? `; also: ${needs.slice(1).join(', ')}` : ''}` : undefined,
            }),
            ...schoolContact(src, ctf.source.name),
          }),
        });
      } else if (pupil.sen) {
        // The newest file says no special educational need any more.
        candidates.get(upn)?.delete('sen');
      }
    }
  }

  for (const file of ordered) {
    if (file.kind !== 'attendance') continue;
    for (const row of file.rows) {
      const year = academicYearOf(row.PeriodStart);
      offerAttendance({
        upn: row.UPN,
        laEstab: row.LAEstab,
        schoolName: schoolName(row.LAEstab),
        year,
        start: row.PeriodStart,
        end: row.PeriodEnd,
        possible: row.SessionsPossible,
        authorised: row.AuthorisedAbsence,
        unauthorised: row.UnauthorisedAbsence,
        recordId: `${row.LAEstab}/${row.UPN}/attendance/${year}`,
        asOf: `${row.PeriodEnd}T23:59:59.000Z`,
      });
    }
  }

  // Attendance states; the latest period of each pupil is the current one.
  const latestEnd = new Map<string, string>();
  for (const item of attendance.values()) if (item.end > (latestEnd.get(item.upn) ?? '')) latestEnd.set(item.upn, item.end);
  for (const item of attendance.values()) {
    if (item.possible <= 0) continue;
    const absent = Math.min(item.possible, item.authorised + item.unauthorised);
    const rate = (item.possible - absent) / item.possible;
    const severe = rate < SEVERE_ABSENCE_BELOW;
    const persistent = rate < PERSISTENT_ABSENCE_BELOW;
    const label = academicYearLabel(item.year);
    offer(item.upn, `attendance/${item.recordId}`, {
      rank: item.asOf,
      record: record('state', item.upn, provenance(item.recordId, item.asOf), {
        type: severe ? 'severe-absence' : persistent ? 'persistent-absence' : 'school-attendance',
        title: severe ? 'Severe absence' : persistent ? 'Persistent absence' : 'School attendance',
        status: item.end === latestEnd.get(item.upn) ? 'active' : 'finished',
        ...compact({
          start: item.start,
          end: item.end,
          location: item.schoolName,
          service: item.schoolName,
          narrative: `Attendance ${percent(rate)} in ${label} to ${item.end}: ${item.possible} possible sessions, ${item.authorised} authorised and ${item.unauthorised} unauthorised absences`,
        }),
        ...schoolContact(item.laEstab, item.schoolName),
      }),
    });
  }

  // The LA registers: the latest version of each entry.
  const registerRows = new Map<string, RegisterRow>();
  for (const file of ordered) {
    if (file.kind !== 'register') continue;
    for (const row of file.rows) {
      const existing = registerRows.get(row.RecordId);
      if (!existing || Date.parse(row.LastUpdated) >= Date.parse(existing.LastUpdated)) registerRows.set(row.RecordId, row);
    }
  }
  const registerByUpn = new Map<string, RegisterRow[]>();
  for (const row of registerRows.values()) {
    const list = registerByUpn.get(row.UPN) ?? [];
    list.push(row);
    registerByUpn.set(row.UPN, list);
    const cme = row.Register === 'CME';
    const asOf = new Date(Date.parse(row.LastUpdated)).toISOString();
    offer(row.UPN, `register/${row.RecordId}`, {
      rank: asOf,
      record: record('state', row.UPN, provenance(`la-register/${row.RecordId}`, asOf), {
        type: cme ? 'child-missing-education' : 'elective-home-education',
        title: cme ? 'Child missing education' : 'Elective home education',
        status: row.EndDate ? 'closed' : 'open',
        ...compact({
          start: row.StartDate,
          end: row.EndDate,
          service: cme ? 'Children Missing Education service' : 'Elective Home Education service',
          narrative: row.Reason,
          outcome: row.Outcome,
        }),
        ...(row.OfficerName
          ? compact({ contactName: row.OfficerName, contactRole: row.OfficerRole, contactPhone: row.OfficerPhone, contactEmail: row.OfficerEmail })
          : fallback()),
      }),
    });
  }

  // Persons.
  const persons = new Map<string, PupilEntry>();
  const formerUpns = new Map<string, string>();
  const upns = new Set([...identities.keys(), ...registerByUpn.keys()]);
  for (const upn of upns) {
    const identity = identities.get(upn);
    const register = [...(registerByUpn.get(upn) ?? [])].sort((a, b) => Date.parse(a.LastUpdated) - Date.parse(b.LastUpdated));
    const names: PersonName[] = [];
    const addresses: Address[] = [];
    const keys: SearchKeys = { families: [], givens: [], birthDates: [], postcodes: [] };
    const addName = (name: PersonName): void => {
      const same = names.some((n) => n.family === name.family && n.given.join(' ') === name.given.join(' '));
      if (!same) names.push(name);
      if (name.family) keys.families.push(fold(name.family));
      for (const g of name.given) keys.givens.push(fold(g));
    };
    const addAddress = (address: Address | undefined): void => {
      if (!address) return;
      const same = addresses.some((a) => (a.uprn && a.uprn === address.uprn) || (a.line1 === address.line1 && a.postalCode === address.postalCode));
      if (!same) addresses.push(address);
      if (address.postalCode) keys.postcodes.push(foldPostcode(address.postalCode));
    };
    let birthDate: string | undefined;
    let gender: SourcePerson['gender'];
    let contact: AgencyContact | undefined;
    let prov: Provenance;
    if (identity) {
      const p = identity.pupil;
      addName({ use: 'official', family: p.surname, given: [p.forename, ...p.middleNames] });
      if (p.preferredForename || p.preferredSurname) addName({ use: 'usual', family: p.preferredSurname ?? p.surname, given: [p.preferredForename ?? p.forename] });
      if (p.formerSurname) addName({ use: 'old', family: p.formerSurname, given: [p.forename] });
      birthDate = p.birthDate;
      if (p.gender === 'M') gender = '1';
      else if (p.gender === 'F') gender = '2';
      else if (p.gender === 'U') gender = '0';
      addAddress(p.address);
      if (p.formerUpn) formerUpns.set(p.formerUpn, upn);
      const school = schools.get(identity.laEstab);
      contact = school?.dslName
        ? { name: school.dslName, ...(identity.schoolName ? { organisation: identity.schoolName } : {}), ...(school.phone ? { phone: school.phone } : {}), ...(school.dslEmail ? { email: school.dslEmail } : {}) }
        : identity.schoolName
          ? { name: identity.schoolName, organisation: identity.schoolName, ...(school?.phone ? { phone: school.phone } : {}) }
          : undefined;
      prov = provenance(identity.recordId, identity.asOf);
    } else {
      const latest = register[register.length - 1] as RegisterRow;
      birthDate = latest.DOB;
      gender = latest.Gender === 'M' ? '1' : latest.Gender === 'F' ? '2' : undefined;
      contact = latest.OfficerName ? { name: latest.OfficerName, ...(latest.OfficerPhone ? { phone: latest.OfficerPhone } : {}), ...(latest.OfficerEmail ? { email: latest.OfficerEmail } : {}) } : undefined;
      prov = provenance(`la-register/${latest.RecordId}`, new Date(Date.parse(latest.LastUpdated)).toISOString());
    }
    for (const row of register) {
      addName({ use: 'official', family: row.Surname, given: [row.Forename] });
      if (row.DOB !== birthDate) keys.birthDates.push(row.DOB);
      addAddress(
        row.AddressLine1 || row.Postcode
          ? {
              ...(row.AddressLine1 ? { line1: row.AddressLine1 } : {}),
              ...(row.AddressLine2 ? { line2: row.AddressLine2 } : {}),
              ...(row.Town ? { city: row.Town } : {}),
              ...(row.Postcode ? { postalCode: row.Postcode.toUpperCase() } : {}),
              ...(row.UPRN ? { uprn: row.UPRN } : {}),
            }
          : undefined,
      );
    }
    if (birthDate) keys.birthDates.unshift(birthDate);
    const formerUpn = identity?.pupil.formerUpn;
    persons.set(upn, {
      person: {
        agency: AGENCY,
        personId: upn,
        identifiers: [{ system: SYSTEMS.upn, value: upn }, ...(formerUpn ? [{ system: SYSTEMS.upn, value: formerUpn }] : [])],
        names,
        ...(birthDate ? { birthDate, birthDateAccuracy: 'AAA' } : {}),
        ...(gender ? { gender } : {}),
        addresses,
        contact: contact ?? ctx.fallbackContact,
        provenance: prov,
      },
      keys,
    });
  }

  const records = new Map<string, SourceRecord[]>();
  for (const [upn, forPupil] of candidates) {
    const list = [...forPupil.values()].map((c) => c.record);
    list.sort((a, b) => (a.fields.start ?? '').localeCompare(b.fields.start ?? '') || a.provenance.recordId.localeCompare(b.provenance.recordId));
    records.set(upn, list);
    // The roll a pupil is on now: the school of their latest active enrolment.
    const onRoll = list.filter((r) => r.fields.type === 'school-enrolment' && r.fields.status === 'active' && r.provenance.organisation).at(-1);
    const entry = persons.get(upn);
    if (onRoll && entry) entry.person = { ...entry.person, provenance: { ...entry.person.provenance, organisation: onRoll.provenance.organisation! } };
  }
  const householdSources: PupilHouseholdSource[] = [];
  for (const [upn, entry] of persons) {
    const identity = identities.get(upn);
    // The current address: the newest CTF's, else the latest LA register row's.
    const address = identity ? identity.pupil.address : entry.person.addresses.at(-1);
    householdSources.push({
      upn,
      person: entry.person,
      ...(address ? { address } : {}),
      contacts: identity?.pupil.contacts ?? [],
      recordId: identity?.recordId ?? entry.person.provenance.recordId,
      asOf: identity?.asOf ?? entry.person.provenance.asOf,
    });
  }
  return { persons, formerUpns, records, household: buildHouseholdIndex(householdSources, ctx.system) };
}
