import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents, type RecordedEvent } from '../../gateway/audit/index.js';
import { startGateway, type Gateway } from '../../gateway/app.js';
import { configFromDocument } from '../../gateway/config.js';
import { RESEARCHER, RELAXED_RATE_LIMITS, enquiryInput, OPEN_ENQUIRY, PROFILE } from '../helpers/gateway.js';

/**
 * Item 3 of the identity issue, end to end over HTTP on the synthetic county of the README
 * (seed 1): one search across the five agencies, scored and grouped into likely people; records
 * that do not match are counted, never shown; confirmed links are what profiles read; a link
 * can be undone; all of it audited.
 */

const AGENCIES = ['education', 'health', 'housing', 'police', 'social-care'];

const SEARCH = /* GraphQL */ `
  query Search($enquiryId: ID!, $query: PersonSearchInput!) {
    searchPeople(enquiryId: $enquiryId, query: $query) {
      auditEventId
      agencies { agency status detail people { agency personId names { family given } birthDate } withheld { label } }
      people {
        key band score
        records {
          agency personId band score caution
          reasons { field level weight explanation }
          person { agency personId decision names { family given } birthDate withheldFields }
        }
      }
      notShown { agency count }
      queryProblems
    }
  }
`;

const SUBJECT_FIELDS = 'id links { agency personId linkedAt linkedBy unlinkedAt } unlinked { agency personId linkedAt linkedBy unlinkedAt unlinkedBy reason }';
const LINK = `mutation Link($input: LinkSubjectInput!) { linkSubject(input: $input) { ${SUBJECT_FIELDS} } }`;
const UNLINK = `mutation Unlink($enquiryId: ID!, $subjectId: ID!, $agency: String!, $personId: String!, $reason: String!) {
  unlinkSubject(enquiryId: $enquiryId, subjectId: $subjectId, agency: $agency, personId: $personId, reason: $reason) { ${SUBJECT_FIELDS} } }`;

interface County {
  gateway: Gateway;
  token(claims?: Record<string, unknown>): Promise<string>;
  graphql(query: string, variables: Record<string, unknown>, token: string): Promise<{ body: any; text: string }>;
  close(): Promise<void>;
}

/** The README's county: seed 1, all five agencies (test/helpers' gateway uses seed 7 and health only). */
async function startCounty(): Promise<County> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mash-identity-e2e-'));
  const config = configFromDocument(
    {
      auth: { demoIssuer: true },
      sandbox: { enabled: true, seed: 1, households: 80, healthPort: 0, policePort: 0, process: 'inline' },
      connectors: AGENCIES.map((kind) => ({ kind, timeoutMs: 3000 })),
      // Not a test of rate limits: it searches more in seconds than a researcher would in minutes.
      limits: RELAXED_RATE_LIMITS,
    },
    join(process.cwd(), 'mash-gateway.config.yaml'),
    { PORT: 0, HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: undefined, LOG_LEVEL: 'silent', MASH_CONFIG: 'unused', SHUTDOWN_GRACE_MS: 5000 },
  );
  const gateway = await startGateway(config, { inMemoryStore: true });
  return {
    gateway,
    token: (claims = {}) => gateway.demoIssuer!.sign({ ...RESEARCHER, ...claims }),
    async graphql(query, variables, token) {
      const response = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      const text = await response.text();
      return { body: JSON.parse(text), text };
    },
    async close() {
      await gateway.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe('finding a child across agencies with identity matching', () => {
  let county: County;
  let token: string;
  let lily: { given: string[]; family: string; birthDate: string; nhsNumber: string };
  /** Lily's person id at each agency, as the county's ground truth knows them. */
  let lilyIds: Map<string, string>;

  const search = async (enquiryId: string, query: Record<string, unknown>) => {
    const response = await county.graphql(SEARCH, { enquiryId, query }, token);
    expect(response.body.errors).toBeUndefined();
    return { ...response, result: response.body.data.searchPeople };
  };
  const openEnquiry = async () => (await county.graphql(OPEN_ENQUIRY, { input: enquiryInput() }, token)).body.data.openEnquiry.id as string;
  const event = async (id: string): Promise<RecordedEvent> => (await readEvents(county.gateway.store, { limit: 10_000 })).find((e) => e.id === id)!;
  const events = async (operation: string): Promise<RecordedEvent[]> => (await readEvents(county.gateway.store, { limit: 10_000 })).filter((e) => e.operation === operation);

  beforeAll(async () => {
    county = await startCounty();
    token = await county.token();
    const { child } = county.gateway.sandbox!.county.featured;
    lily = { given: child.given, family: child.family, birthDate: child.birthDate, nhsNumber: child.nhsNumber! };
    const { truth } = county.gateway.sandbox!.county;
    const truthOf: Record<string, ReadonlyMap<string, string>> = { health: truth.health, police: truth.police, education: truth.education, housing: truth.housing, 'social-care': truth.socialCare };
    lilyIds = new Map();
    for (const agency of AGENCIES) {
      const found = [...truthOf[agency]!].filter(([, personId]) => personId === child.id);
      if (found.length === 1) lilyIds.set(agency, found[0]![0]);
    }
  });
  afterAll(async () => county?.close());

  it('is the featured child of the README: Lily Nevaeh Knight, born 2011-06-11, known to all five agencies', () => {
    expect(lily).toMatchObject({ given: ['Lily', 'Nevaeh'], family: 'Knight', birthDate: '2011-06-11', nhsNumber: '9997118553' });
    expect([...lilyIds.keys()].sort()).toEqual(AGENCIES);
  });

  it('finds her by name and date of birth as ONE likely person, certain, with each agency’s record and the reasons', async () => {
    const enquiryId = await openEnquiry();
    const { result } = await search(enquiryId, { family: 'Knight', given: 'Lily', birthDate: '2011-06-11' });
    expect(result.people).toHaveLength(1);
    const [person] = result.people;
    expect(person).toMatchObject({ key: 'P1', band: 'CERTAIN' });
    expect(person.score).toBeGreaterThanOrEqual(0.999);
    expect(person.records.map((r: any) => r.agency).sort()).toEqual(AGENCIES);
    for (const record of person.records) {
      expect(record.personId, record.agency).toBe(lilyIds.get(record.agency));
      expect(record.band).toMatch(/^(CERTAIN|PROBABLE|POSSIBLE)$/);
      // The identity shown is the gate's: the same record, as much as s47 allows.
      expect(record.person).toMatchObject({ agency: record.agency, personId: record.personId, decision: 'DISCLOSED', birthDate: '2011-06-11' });
      const reason = (field: string) => record.reasons.find((r: any) => r.field === field);
      expect(reason('given'), record.agency).toMatchObject({ level: 'exact' });
      expect(reason('given').weight).toBeGreaterThan(0);
      expect(reason('family')).toMatchObject({ level: 'exact' });
      expect(reason('birthDate')).toMatchObject({ level: 'exact' });
      for (const r of record.reasons) expect(r.explanation).not.toMatch(/Knight|Lily|2011/); // levels, never values
    }
    // Every agency answers, each showing exactly her record.
    for (const agency of result.agencies) {
      expect(agency.status, agency.agency).toBe('RECORDS');
      expect(agency.people.map((p: any) => p.personId)).toEqual([lilyIds.get(agency.agency)]);
    }
    expect(result.notShown).toEqual([]);
    expect(result.queryProblems).toEqual([]);
  });

  it('records the search in the audit log: which person ids were shown, as which likely person, and their bands', async () => {
    const enquiryId = await openEnquiry();
    const { result } = await search(enquiryId, { family: 'Knight', given: 'Lily', birthDate: '2011-06-11' });
    const recorded = await event(result.auditEventId);
    expect(recorded).toMatchObject({ operation: 'searchPeople', outcome: 'success', enquiry: { id: enquiryId, purpose: 's47' } });
    expect(recorded.reason).toMatch(/^1 likely person shown \(P1 certain\); 0 candidates below the possible match band not shown\.$/);
    for (const record of result.people[0].records) {
      const decision = recorded.decisions.find((d) => d.agency === record.agency && d.category === `${record.agency}.identity`);
      expect(decision, record.agency).toMatchObject({ decision: 'disclose' });
      expect(decision!.reason).toContain(`${record.personId} (P1, ${record.band.toLowerCase()}, `);
    }
  });

  it('still finds her when the search has a short form of her name', async () => {
    const enquiryId = await openEnquiry();
    const { result } = await search(enquiryId, { family: 'Knight', given: 'Lil', birthDate: '2011-06-11' });
    expect(result.people).toHaveLength(1);
    expect(result.people[0].records.map((r: any) => r.agency).sort()).toEqual(AGENCIES);
    expect(['CERTAIN', 'PROBABLE']).toContain(result.people[0].band);
    const given = result.people[0].records[0].reasons.find((r: any) => r.field === 'given');
    expect(given.level).not.toBe('exact');
    expect(given.weight).toBeGreaterThan(0);
  });

  it('still finds her with a typo in the family name when the NHS number is given', async () => {
    const enquiryId = await openEnquiry();
    const { result } = await search(enquiryId, { nhsNumber: '9997118553', family: 'Knihgt', given: 'Lily', birthDate: '2011-06-11' });
    expect(result.people).toHaveLength(1);
    // Health and social care hold her NHS number; the others return her to the pass that keeps
    // the given name and date of birth and relaxes the family name.
    expect(result.people[0].records.map((r: any) => r.agency).sort()).toEqual(AGENCIES);
    expect(result.people[0].band).toBe('CERTAIN');
    for (const record of result.people[0].records) {
      expect(record.reasons.find((r: any) => r.field === 'family').level).toMatch(/close|similar/);
      if (record.agency === 'health' || record.agency === 'social-care') {
        expect(record.reasons.find((r: any) => r.field === 'id:https://fhir.nhs.uk/Id/nhs-number')).toMatchObject({ level: 'exact' });
      }
    }
  });

  it('still finds her at every agency with a typo in the given name and no NHS number', async () => {
    const enquiryId = await openEnquiry();
    const { result } = await search(enquiryId, { family: 'Knight', given: 'Lilu', birthDate: '2011-06-11' });
    expect(result.people).toHaveLength(1);
    expect(result.people[0].records.map((r: any) => r.agency).sort()).toEqual(AGENCIES);
    for (const record of result.people[0].records) {
      expect(record.personId).toBe(lilyIds.get(record.agency));
      expect(record.reasons.find((r: any) => r.field === 'given').level).toMatch(/close|similar/);
    }
  });

  it('still finds her at every agency with day and month swapped in the date of birth', async () => {
    const enquiryId = await openEnquiry();
    const { result } = await search(enquiryId, { family: 'Knight', given: 'Lily', birthDate: '2011-11-06' });
    expect(result.people).toHaveLength(1);
    expect(result.people[0].records.map((r: any) => r.agency).sort()).toEqual(AGENCIES);
    for (const record of result.people[0].records) expect(record.reasons.find((r: any) => r.field === 'birthDate').level).toBe('day-month-swap');
  });

  it('does not mix her in when searching for a different child of the household', async () => {
    const { sibling } = county.gateway.sandbox!.county.featured;
    const enquiryId = await openEnquiry();
    const { result, text } = await search(enquiryId, { family: sibling.family, given: sibling.given[0], birthDate: sibling.birthDate });
    expect(result.people.length).toBeGreaterThanOrEqual(1);
    for (const person of result.people) for (const record of person.records) expect(record.person.birthDate).toBe(sibling.birthDate);
    for (const id of lilyIds.values()) expect(text).not.toContain(id);
  });

  it('counts records that match below the possible band in notShown and shows nothing else of them', async () => {
    // Her NHS number with her baby brother's details: health and social care find HER record by
    // the number, but nothing else agrees with it, so it must not be shown.
    const { sibling } = county.gateway.sandbox!.county.featured;
    const enquiryId = await openEnquiry();
    const { result, text } = await search(enquiryId, { nhsNumber: lily.nhsNumber, family: sibling.family, given: sibling.given[0], birthDate: sibling.birthDate });
    const notShown = Object.fromEntries(result.notShown.map((n: any) => [n.agency, n.count]));
    expect(notShown).toMatchObject({ health: 1, 'social-care': 1 });
    for (const agency of ['health', 'social-care']) {
      expect(text).not.toContain(lilyIds.get(agency));
      const answer = result.agencies.find((a: any) => a.agency === agency);
      expect(answer.people.map((p: any) => p.personId)).not.toContain(lilyIds.get(agency));
    }
    for (const person of result.people) for (const record of person.records) expect(record.personId).not.toBe(lilyIds.get(record.agency));
    expect(text).not.toMatch(/Lily|Nevaeh|2011-06-11/);
    // The audit event says how many were left out, per agency, and names none of them.
    const recorded = await event(result.auditEventId);
    const healthDecision = recorded.decisions.find((d) => d.agency === 'health' && d.category === 'health.identity');
    expect(healthDecision?.reason).toMatch(/1 candidate below the possible match band not shown/);
    expect(JSON.stringify(recorded)).not.toContain(lilyIds.get('health'));
  });

  it('reads records through confirmed links only: link, read, undo a link, read again, undo the rest, refused; all audited', async () => {
    const enquiryId = await openEnquiry();
    const { result } = await search(enquiryId, { nhsNumber: lily.nhsNumber, family: 'Knight', given: 'Lily', birthDate: '2011-06-11' });
    const records: { agency: string; personId: string }[] = result.people[0].records;
    expect(records.map((r) => r.agency).sort()).toEqual(AGENCIES);
    let subjectId: string | undefined;
    for (const { agency, personId } of records) {
      const linked = await county.graphql(LINK, { input: { enquiryId, agency, personId, label: 'Child 1', ...(subjectId ? { subjectId } : { relation: 'CHILD' }) } }, token);
      expect(linked.body.errors, agency).toBeUndefined();
      subjectId = linked.body.data.linkSubject.id;
    }
    const before = await county.graphql(PROFILE, { enquiryId, subjectId }, token);
    expect(before.body.errors).toBeUndefined();
    for (const agency of before.body.data.profile.agencies) expect(agency.status, agency.agency).toBe('RECORDS');

    const unlinked = await county.graphql(UNLINK, { enquiryId, subjectId, agency: 'police', personId: lilyIds.get('police'), reason: 'Police record belongs to a namesake' }, token);
    expect(unlinked.body.errors).toBeUndefined();
    const subject = unlinked.body.data.unlinkSubject;
    expect(subject.links.map((l: any) => l.agency).sort()).toEqual(AGENCIES.filter((a) => a !== 'police'));
    expect(subject.links.every((l: any) => l.unlinkedAt === null)).toBe(true);
    expect(subject.unlinked).toEqual([
      expect.objectContaining({ agency: 'police', personId: lilyIds.get('police'), unlinkedBy: RESEARCHER.sub, reason: 'Police record belongs to a namesake', unlinkedAt: expect.any(String) }),
    ]);

    const after = await county.graphql(PROFILE, { enquiryId, subjectId }, token);
    expect(after.body.errors).toBeUndefined();
    const police = after.body.data.profile.agencies.find((a: any) => a.agency === 'police');
    expect(police).toMatchObject({ status: 'NO_RECORD', events: [], involvements: [], states: [], withheld: [] });
    for (const agency of after.body.data.profile.agencies.filter((a: any) => a.agency !== 'police')) expect(agency.status, agency.agency).toBe('RECORDS');
    const read = await event(after.body.data.profile.auditEventId);
    expect(read.subjects[0]!.links.map((l) => l.agency).sort()).toEqual(AGENCIES.filter((a) => a !== 'police'));
    expect(read.decisions.some((d) => d.agency === 'police')).toBe(false);

    const undo = (await events('unlinkSubject')).find((e) => e.subjects[0]?.subjectId === subjectId && e.outcome === 'success')!;
    expect(undo).toMatchObject({ enquiry: { id: enquiryId }, subjects: [{ subjectId, links: [{ agency: 'police', personId: lilyIds.get('police') }] }] });
    expect(undo.reason).toContain('Police record belongs to a namesake');

    for (const { agency, personId } of records.filter((r) => r.agency !== 'police')) {
      const response = await county.graphql(UNLINK, { enquiryId, subjectId, agency, personId, reason: 'Wrong child: referral withdrawn' }, token);
      expect(response.body.errors, agency).toBeUndefined();
    }
    const refused = await county.graphql(PROFILE, { enquiryId, subjectId }, token);
    expect(refused.body.errors[0]).toMatchObject({ extensions: { code: 'FORBIDDEN_SUBJECT_NOT_LINKED' }, message: expect.stringContaining('its links were undone') });
    expect(refused.body.data).toBeNull();

    // Linked again, the same person is read again.
    const relinked = await county.graphql(LINK, { input: { enquiryId, subjectId, agency: 'health', personId: lilyIds.get('health') } }, token);
    expect(relinked.body.data.linkSubject.links).toEqual([expect.objectContaining({ agency: 'health', personId: lilyIds.get('health') })]);
    expect(relinked.body.data.linkSubject.unlinked).toHaveLength(5);
    const again = await county.graphql(PROFILE, { enquiryId, subjectId }, token);
    expect(again.body.data.profile.agencies.find((a: any) => a.agency === 'health').status).toBe('RECORDS');
  });

  it('refuses an undo without a reason, of a link that does not exist, or by a non-member, clearly, and audits each refusal', async () => {
    const enquiryId = await openEnquiry();
    const personId = lilyIds.get('health')!;
    await search(enquiryId, { nhsNumber: lily.nhsNumber, family: 'Knight', given: 'Lily', birthDate: '2011-06-11' });
    const subjectId = (await county.graphql(LINK, { input: { enquiryId, agency: 'health', personId } }, token)).body.data.linkSubject.id;

    const blank = await county.graphql(UNLINK, { enquiryId, subjectId, agency: 'health', personId, reason: '   ' }, token);
    expect(blank.body.errors[0]).toMatchObject({ extensions: { code: 'BAD_INPUT' }, message: expect.stringContaining('Say why the link is undone') });
    const unknown = await county.graphql(UNLINK, { enquiryId, subjectId, agency: 'police', personId: 'NOM9999999', reason: 'Not her' }, token);
    expect(unknown.body.errors[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' }, message: expect.stringContaining('has no link to police person NOM9999999') });
    const outsider = await county.token({ sub: 'researcher-9', name: 'Olu Outsider' });
    const notMember = await county.graphql(UNLINK, { enquiryId, subjectId, agency: 'health', personId, reason: 'Not her' }, outsider);
    expect(notMember.body.errors[0]).toMatchObject({ extensions: { code: 'FORBIDDEN_NOT_MEMBER' } });

    const refusals = (await events('unlinkSubject')).filter((e) => e.enquiry?.id === enquiryId);
    expect(refusals.map((e) => [e.outcome, e.outcomeCode, e.actor?.id])).toEqual([
      ['refused', 'BAD_INPUT', RESEARCHER.sub],
      ['refused', 'NOT_FOUND', RESEARCHER.sub],
      ['refused', 'FORBIDDEN_NOT_MEMBER', 'researcher-9'],
    ]);
    expect(refusals[1]!.subjects).toEqual([{ subjectId, links: [{ agency: 'police', personId: 'NOM9999999' }] }]);
    // The link is untouched.
    const enquiry = await county.graphql(`query($id: ID!) { enquiry(id: $id) { subjects { relation ${SUBJECT_FIELDS} } } }`, { id: enquiryId }, token);
    expect(enquiry.body.errors).toBeUndefined();
    expect(enquiry.body.data.enquiry.subjects).toEqual([expect.objectContaining({ relation: 'CHILD', links: [expect.objectContaining({ agency: 'health', personId })], unlinked: [] })]);
  });
});
