import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '../../gateway/audit/index.js';
import { DEMO_ISSUER } from '../../gateway/auth/index.js';
import { recordAndSignOff } from '../helpers/decision.js';
import { enquiryInput, LINK, OPEN_ENQUIRY, PROFILE, SEARCH, startTestGateway, type TestGateway } from '../helpers/gateway.js';

/** Reads outside the legitimate relationship are refused with a stable code, and audited. */
describe('scope of access', () => {
  let t: TestGateway;
  let token: string;
  let clock = Date.now();

  beforeAll(async () => {
    t = await startTestGateway({ now: () => new Date(clock) });
    token = await t.token();
  });
  afterAll(async () => t?.close());

  async function linkedSubject(input: Record<string, unknown> = {}) {
    const opened = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ deadline: new Date(clock + 3600_000).toISOString(), ...input }) }, token);
    const enquiryId = opened.body.data.openEnquiry.id as string;
    const nhsNumber = t.gateway.sandbox!.county.featured.child.nhsNumber!;
    const search = await t.graphql(SEARCH, { enquiryId, query: { nhsNumber } }, token);
    const personId = search.body.data.searchPeople.agencies.find((a: any) => a.agency === 'health').people[0].personId;
    const linked = await t.graphql(LINK, { input: { enquiryId, agency: 'health', personId } }, token);
    return { enquiryId, subjectId: linked.body.data.linkSubject.id as string };
  }

  async function expectRefusedAndAudited(response: { body: any }, code: string, operation: string) {
    expect(response.body.errors?.[0]?.extensions?.code).toBe(code);
    expect(response.body.data?.profile ?? null).toBeNull();
    expect(response.body.errors[0].message.length).toBeGreaterThan(20);
    expect(JSON.stringify(response.body)).not.toMatch(/stack|at Object\.|\.ts:\d+/);
    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    const last = events.filter((e) => e.operation === operation).at(-1)!;
    expect(last).toMatchObject({ outcome: 'refused', outcomeCode: code });
    expect(last.policy).toEqual({ id: 'mash-disclosure-policy', version: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
  }

  it('refuses a practitioner who is not a member of the enquiry', async () => {
    const { enquiryId, subjectId } = await linkedSubject();
    const outsider = await t.token({ sub: 'researcher-2', name: 'Other Researcher' });
    await expectRefusedAndAudited(await t.graphql(PROFILE, { enquiryId, subjectId }, outsider), 'FORBIDDEN_NOT_MEMBER', 'profile');
  });

  it('refuses a read after the enquiry closes', async () => {
    const { enquiryId, subjectId } = await linkedSubject();
    await recordAndSignOff(t, enquiryId, token);
    const closed = await t.graphql(`mutation { closeEnquiry(enquiryId: "${enquiryId}", decision: "NFA: no further action") { status } }`, {}, token);
    expect(closed.body.data.closeEnquiry.status).toBe('CLOSED');
    await expectRefusedAndAudited(await t.graphql(PROFILE, { enquiryId, subjectId }, token), 'FORBIDDEN_ENQUIRY_CLOSED', 'profile');
  });

  it('reads an overdue enquiry during the grace after its deadline, and refuses reads once access ends', async () => {
    const { enquiryId, subjectId } = await linkedSubject();
    const ENQUIRY = `query($id: ID!) { enquiry(id: $id) { status overdue deadline accessEndsAt } }`;
    clock += 2 * 3600_000; // the deadline (one hour after opening) has passed
    try {
      const overdue = (await t.graphql(ENQUIRY, { id: enquiryId }, token)).body.data.enquiry;
      expect(overdue).toMatchObject({ status: 'OPEN', overdue: true });
      expect(Date.parse(overdue.accessEndsAt)).toBeGreaterThan(Date.parse(overdue.deadline));
      expect((await t.graphql(PROFILE, { enquiryId, subjectId }, token)).body.errors).toBeUndefined();
      clock = Date.parse(overdue.accessEndsAt);
      expect((await t.graphql(ENQUIRY, { id: enquiryId }, token)).body.data.enquiry.status).toBe('EXPIRED');
      await expectRefusedAndAudited(await t.graphql(PROFILE, { enquiryId, subjectId }, token), 'FORBIDDEN_ENQUIRY_CLOSED', 'profile');
    } finally {
      clock = Date.now();
    }
  });

  it('refuses every read when the policy is not in effect', async () => {
    clock = Date.parse('2027-10-29T10:00:00Z'); // a Friday, the policy's last working day
    const { enquiryId, subjectId } = await linkedSubject({ deadline: undefined });
    clock = Date.parse('2027-11-01T12:00:00Z'); // the enquiry is still open (overdue, within its grace); the policy has ended
    try {
      const response = await t.graphql(PROFILE, { enquiryId, subjectId }, token);
      expect(response.body.errors[0].message).toMatch(/in effect from 2026-11-01 to 2027-10-31/);
      await expectRefusedAndAudited(response, 'FORBIDDEN', 'profile');
    } finally {
      clock = Date.now();
    }
  });

  it('refuses a subject that is not linked to the enquiry', async () => {
    const { enquiryId } = await linkedSubject();
    await expectRefusedAndAudited(
      await t.graphql(PROFILE, { enquiryId, subjectId: '00000000-0000-0000-0000-000000000000' }, token),
      'FORBIDDEN_SUBJECT_NOT_LINKED',
      'profile',
    );
  });

  it('refuses a subject linked to a different enquiry', async () => {
    const first = await linkedSubject();
    const second = await linkedSubject();
    await expectRefusedAndAudited(await t.graphql(PROFILE, { enquiryId: second.enquiryId, subjectId: first.subjectId }, token), 'FORBIDDEN_SUBJECT_NOT_LINKED', 'profile');
  });

  it('refuses an enquiry that does not exist', async () => {
    await expectRefusedAndAudited(
      await t.graphql(PROFILE, { enquiryId: 'no-such-enquiry', subjectId: 'x' }, token),
      'FORBIDDEN_NO_ENQUIRY',
      'profile',
    );
  });

  it('refuses a search outside an enquiry the actor belongs to', async () => {
    const { enquiryId } = await linkedSubject();
    const outsider = await t.token({ sub: 'researcher-3' });
    const response = await t.graphql(SEARCH, { enquiryId, query: { nhsNumber: t.gateway.sandbox!.county.featured.child.nhsNumber } }, outsider);
    expect(response.body.errors[0].extensions.code).toBe('FORBIDDEN_NOT_MEMBER');
    expect(response.text).not.toContain(t.gateway.sandbox!.county.featured.child.family);
  });

  it('refuses to open an enquiry for a purpose the actor’s role may not use', async () => {
    const dsl = await t.token({ sub: 'dsl-1', roles: ['school-dsl'] });
    const response = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ purpose: 's47' }) }, dsl);
    expect(response.body.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('an added member may read the enquiry', async () => {
    const { enquiryId, subjectId } = await linkedSubject();
    // Only someone who has signed in can be added: the nurse signs in first.
    const nurse = await t.token({ sub: 'nurse-1', name: 'Nia Nurse', agency: 'health' });
    await t.graphql('{ me { id } }', {}, nurse);
    const added = await t.graphql(
      `mutation { addEnquiryMember(enquiryId: "${enquiryId}", actorId: "nurse-1", issuer: "${DEMO_ISSUER}", reason: "Health practitioner for the strategy discussion") { members { actorId issuer name agency } } }`,
      {},
      token,
    );
    expect(added.body.data.addEnquiryMember.members).toContainEqual({ actorId: 'nurse-1', issuer: DEMO_ISSUER, name: 'Nia Nurse', agency: 'health' });
    const profile = await t.graphql(PROFILE, { enquiryId, subjectId }, nurse);
    expect(profile.body.errors).toBeUndefined();
  });
});

describe('bad input gets a clear error naming what was wrong', () => {
  let t: TestGateway;
  let token: string;
  let enquiryId: string;
  beforeAll(async () => {
    t = await startTestGateway();
    token = await t.token();
    enquiryId = (await t.graphql(OPEN_ENQUIRY, { input: enquiryInput() }, token)).body.data.openEnquiry.id;
  });
  afterAll(async () => t?.close());

  it.each([
    [{ purpose: 'curiosity' }, /Unknown purpose "curiosity"/],
    [{ deadline: '2020-01-01T00:00:00Z' }, /in the past/],
    [{ deadline: 'tomorrow' }, /ISO 8601/],
    [{ legalBasis: 'because' }, /legalBasis must be an http/],
    [{ purpose: 's17', consentRecorded: false }, /record consent/],
    [{ referralReference: '   ' }, /referralReference must not be empty/],
  ])('openEnquiry %j', async (change, message) => {
    const response = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput(change) }, token);
    expect(response.body.errors[0].extensions.code).toBe('BAD_INPUT');
    expect(response.body.errors[0].message).toMatch(message);
  });

  it('refuses an NHS number with a wrong check digit before asking any agency', async () => {
    const response = await t.graphql(SEARCH, { enquiryId, query: { nhsNumber: '9434765918' } }, token);
    expect(response.body.errors[0]).toMatchObject({ extensions: { code: 'BAD_INPUT', field: 'nhsNumber' } });
    expect(response.body.errors[0].message).toMatch(/Modulus 11/);
  });

  it('refuses a search with too little to search on', async () => {
    const response = await t.graphql(SEARCH, { enquiryId, query: { given: 'Sam' } }, token);
    expect(response.body.errors[0].extensions.code).toBe('BAD_INPUT');
  });

  it('refuses a malformed query with BAD_INPUT and no stack trace', async () => {
    const response = await t.graphql('query { profile(enquiryId: 1) { nonsense } }', {}, token);
    expect(response.status).toBe(400);
    expect(response.body.errors[0].extensions.code).toBe('BAD_INPUT');
    expect(response.text).not.toMatch(/stacktrace|\.ts:\d+/);
  });

  it('refuses a body that is not JSON', async () => {
    const response = await fetch(`${t.gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{"query": ' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).errors[0].extensions.code).toBe('BAD_INPUT');
  });
});
