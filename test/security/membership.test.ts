import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '../../gateway/audit/index.js';
import { DEMO_ISSUER } from '../../gateway/auth/index.js';
import { enquiryInput, OPEN_ENQUIRY, startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * Who may join an enquiry: joining is an explicit, audited act with a reason, by a member or by a
 * MASH manager of the owning team (flagged for IG review), and only for someone a registered
 * issuer has authenticated. Every enquiry operation, changing the purpose included, needs
 * membership by (issuer, subject).
 */
describe('joining an enquiry', () => {
  let t: TestGateway;
  let researcher: string;

  const ADD = /* GraphQL */ `
    mutation Add($enquiryId: ID!, $actorId: ID!, $issuer: String!, $reason: String!) {
      addEnquiryMember(enquiryId: $enquiryId, actorId: $actorId, issuer: $issuer, reason: $reason) {
        members { actorId issuer name agency addedBy addedByIssuer reason }
      }
    }
  `;
  const CHANGE = /* GraphQL */ `
    mutation Change($enquiryId: ID!) {
      changeEnquiryPurpose(enquiryId: $enquiryId, purpose: "s47", reason: "Disclosure at school: reasonable cause to suspect significant harm") { purpose }
    }
  `;

  /** A token for someone who has signed in (a first request), so they can be added. */
  async function signedIn(claims: Parameters<TestGateway['token']>[0]): Promise<string> {
    const token = await t.token(claims);
    expect((await t.graphql('{ me { id } }', {}, token)).status).toBe(200);
    return token;
  }

  async function openEnquiry(input: Record<string, unknown> = {}): Promise<string> {
    const opened = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput(input) }, researcher);
    expect(opened.body.errors).toBeUndefined();
    return opened.body.data.openEnquiry.id as string;
  }

  const events = () => readEvents(t.gateway.store, { limit: 10_000 });

  beforeAll(async () => {
    t = await startTestGateway({ households: 20 });
    researcher = await t.token();
  });
  afterAll(async () => t?.close());

  it('a member adds someone who has signed in, with a reason; the membership names issuer and subject, and is audited', async () => {
    const enquiryId = await openEnquiry();
    await signedIn({ sub: 'nurse-1', name: 'Nia Nurse', agency: 'health' });
    const added = await t.graphql(ADD, { enquiryId, actorId: 'nurse-1', issuer: DEMO_ISSUER, reason: 'Health practitioner for the strategy discussion' }, researcher);
    expect(added.body.errors).toBeUndefined();
    expect(added.body.data.addEnquiryMember.members).toContainEqual({
      actorId: 'nurse-1',
      issuer: DEMO_ISSUER,
      name: 'Nia Nurse',
      agency: 'health',
      addedBy: 'researcher-1',
      addedByIssuer: DEMO_ISSUER,
      reason: 'Health practitioner for the strategy discussion',
    });
    const event = (await events()).filter((e) => e.operation === 'addEnquiryMember').at(-1)!;
    expect(event).toMatchObject({ outcome: 'success', enquiry: { id: enquiryId }, actor: { id: 'researcher-1', issuer: DEMO_ISSUER } });
    expect(event.reason).toContain('Health practitioner for the strategy discussion');
    expect(event.managerJoin).toBeUndefined();
  });

  it('refuses without a reason (BAD_INPUT naming reason), audited', async () => {
    const enquiryId = await openEnquiry();
    await signedIn({ sub: 'nurse-2', agency: 'health' });
    const response = await t.graphql(ADD, { enquiryId, actorId: 'nurse-2', issuer: DEMO_ISSUER, reason: '   ' }, researcher);
    expect(response.body.errors[0].extensions).toMatchObject({ code: 'BAD_INPUT', field: 'reason' });
    expect((await events()).filter((e) => e.operation === 'addEnquiryMember').at(-1)).toMatchObject({ outcome: 'refused', outcomeCode: 'BAD_INPUT' });
  });

  it('refuses an actor no issuer has ever authenticated (UNKNOWN_ACTOR), and the same id under another issuer', async () => {
    const enquiryId = await openEnquiry();
    const unknown = await t.graphql(ADD, { enquiryId, actorId: 'never-signed-in', issuer: DEMO_ISSUER, reason: 'Typo in the id' }, researcher);
    expect(unknown.body.errors[0].extensions.code).toBe('UNKNOWN_ACTOR');
    expect(unknown.body.errors[0].message).toMatch(/signed in/);
    await signedIn({ sub: 'nurse-3', agency: 'health' });
    const wrongIssuer = await t.graphql(ADD, { enquiryId, actorId: 'nurse-3', issuer: 'https://idp.other.example/', reason: 'Health practitioner' }, researcher);
    expect(wrongIssuer.body.errors[0].extensions.code).toBe('UNKNOWN_ACTOR');
    const members = await t.graphql(`query { enquiry(id: "${enquiryId}") { members { actorId } } }`, {}, researcher);
    expect(members.body.data.enquiry.members).toEqual([{ actorId: 'researcher-1' }]);
    expect((await events()).filter((e) => e.operation === 'addEnquiryMember' && e.outcomeCode === 'UNKNOWN_ACTOR')).toHaveLength(2);
  });

  it('refuses to add someone who already is a member (CONFLICT)', async () => {
    const enquiryId = await openEnquiry();
    const again = await t.graphql(ADD, { enquiryId, actorId: 'researcher-1', issuer: DEMO_ISSUER, reason: 'Again' }, researcher);
    expect(again.body.errors[0].extensions.code).toBe('CONFLICT');
  });

  it('refuses a non-member, researcher or manager of another team, adding anyone (themselves included)', async () => {
    const enquiryId = await openEnquiry();
    const outsider = await signedIn({ sub: 'researcher-9', name: 'Olu Outsider' });
    const self = await t.graphql(ADD, { enquiryId, actorId: 'researcher-9', issuer: DEMO_ISSUER, reason: 'I would like to help' }, outsider);
    expect(self.body.errors[0].extensions.code).toBe('FORBIDDEN_NOT_MEMBER');
    const otherTeamManager = await signedIn({ sub: 'manager-h', name: 'Hal Manager', agency: 'health', roles: ['mash-manager'] });
    const other = await t.graphql(ADD, { enquiryId, actorId: 'manager-h', issuer: DEMO_ISSUER, reason: 'Oversight' }, otherTeamManager);
    expect(other.body.errors[0].extensions.code).toBe('FORBIDDEN_NOT_MEMBER');
    const members = await t.graphql(`query { enquiry(id: "${enquiryId}") { members { actorId } } }`, {}, researcher);
    expect(members.body.data.enquiry.members).toEqual([{ actorId: 'researcher-1' }]);
  });

  it('a manager who is not a member cannot change the purpose; after joining (flagged manager-join) they can', async () => {
    const enquiryId = await openEnquiry({ purpose: 'early-help', consentRecorded: false });
    const manager = await signedIn({ sub: 'manager-1', name: 'Morgan Manager', roles: ['mash-manager'] });
    const refused = await t.graphql(CHANGE, { enquiryId }, manager);
    expect(refused.body.errors[0].extensions.code).toBe('FORBIDDEN_NOT_MEMBER');
    const unchanged = await t.graphql(`query { enquiry(id: "${enquiryId}") { purpose members { actorId } } }`, {}, researcher);
    expect(unchanged.body.data.enquiry).toEqual({ purpose: 'early-help', members: [{ actorId: 'researcher-1' }] });

    const joined = await t.graphql(ADD, { enquiryId, actorId: 'manager-1', issuer: DEMO_ISSUER, reason: 'Manager deciding on a strategy discussion' }, manager);
    expect(joined.body.errors).toBeUndefined();
    const joinEvent = (await events()).filter((e) => e.operation === 'addEnquiryMember' && e.outcome === 'success').at(-1)!;
    expect(joinEvent).toMatchObject({ managerJoin: true, actor: { id: 'manager-1', issuer: DEMO_ISSUER }, enquiry: { id: enquiryId } });
    const changed = await t.graphql(CHANGE, { enquiryId }, manager);
    expect(changed.body.data.changeEnquiryPurpose).toEqual({ purpose: 's47' });

    const ig = await t.token({ sub: 'ig-1', name: 'Ira Governance', agency: 'local-authority', roles: ['ig-officer'] });
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const anomalies = await t.graphql(`query { auditAnomalies(from: "${from}", to: "${to}") { kind actorId eventIds } }`, {}, ig);
    expect(anomalies.body.data.auditAnomalies).toContainEqual({ kind: 'manager-join', actorId: 'manager-1', eventIds: [joinEvent.id] });
    const log = await t.graphql(`query { accessLog(filter: { enquiryId: "${enquiryId}" }, first: 50) { events { id operation managerJoin actor { id issuer } } } }`, {}, ig);
    expect(log.body.data.accessLog.events.find((e: any) => e.id === joinEvent.id)).toEqual({ id: joinEvent.id, operation: 'addEnquiryMember', managerJoin: true, actor: { id: 'manager-1', issuer: DEMO_ISSUER } });
  });

  it('a member adding a manager is not a manager join', async () => {
    const enquiryId = await openEnquiry();
    await signedIn({ sub: 'manager-2', name: 'Max Manager', roles: ['mash-manager'] });
    const added = await t.graphql(ADD, { enquiryId, actorId: 'manager-2', issuer: DEMO_ISSUER, reason: 'Manager for the decision' }, researcher);
    expect(added.body.errors).toBeUndefined();
    const event = (await events()).filter((e) => e.operation === 'addEnquiryMember' && e.outcome === 'success').at(-1)!;
    expect(event.managerJoin).toBeUndefined();
  });

  it('a member recorded before issuers were kept (issuer empty) matches nobody', async () => {
    const enquiryId = await openEnquiry();
    await t.gateway.store.query(`UPDATE enquiry_member SET actor_issuer = '' WHERE enquiry_id = $1`, [enquiryId]);
    const read = await t.graphql(`query { enquiry(id: "${enquiryId}") { id } }`, {}, researcher);
    expect(read.body.errors[0].extensions.code).toBe('FORBIDDEN_NOT_MEMBER');
    const listed = await t.graphql('{ enquiries { id } }', {}, researcher);
    expect(listed.body.data.enquiries.map((e: any) => e.id)).not.toContain(enquiryId);
  });
});
