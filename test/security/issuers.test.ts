import { webcrypto } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '../../gateway/audit/index.js';
import { DEMO_ISSUER } from '../../gateway/auth/index.js';
import { createSearchShownRepository } from '../../gateway/enquiries/index.js';
import { AUDIENCE, makeSigningKey, signToken, type SigningKey } from '../gateway/auth/fixtures.js';
import { enquiryInput, LINK, OPEN_ENQUIRY, PROFILE, SEARCH, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { police, POLICE_PERSON } from '../helpers/test-police.js';

/**
 * Who the caller is: an actor is (issuer, subject), each issuer asserts only the agencies and
 * roles it is registered for, and a token's claims are read strictly. Two registered issuers with
 * their own local keys, a police IdP and a health IdP, each with a user whose `sub` is the same.
 */
const POLICE_IDP = 'https://idp.police.example.gov.uk/';
const HEALTH_IDP = 'https://idp.health.example.nhs.uk/';
const SHARED_SUB = 'user-0042';

const NARRATIVE = 'neighbour reported shouting';

describe('two registered issuers: identity, agencies and roles', () => {
  let t: TestGateway;
  let policeKey: SigningKey;
  let healthKey: SigningKey;

  const policeToken = (claims: Record<string, unknown> = {}, options: { iat?: number; exp?: number } = {}) =>
    signToken({ key: policeKey, iss: POLICE_IDP, claims: { sub: SHARED_SUB, name: 'Sam Okafor', agency: 'police', roles: ['mash-researcher'], ...claims }, ...options });
  const healthToken = (claims: Record<string, unknown> = {}, options: { iat?: number; exp?: number } = {}) =>
    signToken({ key: healthKey, iss: HEALTH_IDP, claims: { sub: SHARED_SUB, name: 'Hana Visitor', agency: 'health', roles: ['mash-researcher'], ...claims }, ...options });

  beforeAll(async () => {
    policeKey = await makeSigningKey();
    healthKey = await makeSigningKey();
    t = await startTestGateway({
      extraConnectors: [police],
      issuers: [
        { issuer: POLICE_IDP, audience: AUDIENCE, keys: [policeKey.publicJwk], agencies: ['police'], roles: ['mash-researcher', 'agency-reviewer'] },
        { issuer: HEALTH_IDP, audience: AUDIENCE, keys: [healthKey.publicJwk], agencies: ['health'], roles: ['mash-researcher', 'agency-reviewer'], maxTokenLifetimeSeconds: 3600 },
      ],
    });
  });
  afterAll(async () => t?.close());

  async function expectRefused(token: string, reason: string, message: RegExp) {
    const response = await t.graphql('{ me { id issuer } }', {}, token);
    expect(response.status).toBe(401);
    expect(response.body.data).toBeUndefined();
    expect(response.body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason });
    expect(response.body.errors[0].message).toMatch(message);
    const last = (await readEvents(t.gateway.store, { limit: 10_000 })).at(-1)!;
    expect(last).toMatchObject({ operation: 'authenticate', outcome: 'refused', outcomeCode: 'UNAUTHENTICATED', actor: null });
    expect(last.reason).toMatch(new RegExp(`^${reason}: `));
  }

  /** The police user opens an s47 enquiry on the featured child and links the force's record. */
  async function policeEnquiry() {
    const token = await policeToken();
    const opened = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput() }, token);
    expect(opened.body.errors).toBeUndefined();
    const enquiryId = opened.body.data.openEnquiry.id as string;
    const search = await t.graphql(SEARCH, { enquiryId, query: { nhsNumber: t.gateway.sandbox!.county.featured.child.nhsNumber } }, token);
    const personId = search.body.data.searchPeople.agencies.find((a: any) => a.agency === 'health').people[0].personId;
    const subjectId = (await t.graphql(LINK, { input: { enquiryId, agency: 'health', personId } }, token)).body.data.linkSubject.id as string;
    // This test force's search finds no one; the search that showed its person is recorded directly.
    await createSearchShownRepository(t.gateway.store).record(
      enquiryId,
      [{ agency: 'police', personId: POLICE_PERSON }],
      { auditEventId: search.body.data.searchPeople.auditEventId, actorId: SHARED_SUB, issuer: POLICE_IDP },
      new Date(),
    );
    await t.graphql(LINK, { input: { enquiryId, subjectId, agency: 'police', personId: POLICE_PERSON } }, token);
    return { token, enquiryId, subjectId };
  }

  it('tells each actor their issuer', async () => {
    const police = await t.graphql('{ me { id issuer agency } }', {}, await policeToken());
    const health = await t.graphql('{ me { id issuer agency } }', {}, await healthToken());
    expect(police.body.data.me).toEqual({ id: SHARED_SUB, issuer: POLICE_IDP, agency: 'police' });
    expect(health.body.data.me).toEqual({ id: SHARED_SUB, issuer: HEALTH_IDP, agency: 'health' });
  });

  it('a second issuer’s user with the same sub cannot read or act on the first issuer’s user’s enquiry', async () => {
    const { enquiryId, subjectId } = await policeEnquiry();
    const other = await healthToken();
    const read = await t.graphql(`query { enquiry(id: "${enquiryId}") { id members { actorId issuer } } }`, {}, other);
    expect(read.body.errors[0].extensions.code).toBe('FORBIDDEN_NOT_MEMBER');
    const profile = await t.graphql(PROFILE, { enquiryId, subjectId }, other);
    expect(profile.body.errors[0].extensions.code).toBe('FORBIDDEN_NOT_MEMBER');
    expect(profile.text).not.toContain(NARRATIVE);
    const search = await t.graphql(SEARCH, { enquiryId, query: { nhsNumber: t.gateway.sandbox!.county.featured.child.nhsNumber } }, other);
    expect(search.body.errors[0].extensions.code).toBe('FORBIDDEN_NOT_MEMBER');
    const close = await t.graphql(`mutation { closeEnquiry(enquiryId: "${enquiryId}", decision: "No further action") { id } }`, {}, other);
    expect(close.body.errors[0].extensions.code).toBe('FORBIDDEN_NOT_MEMBER');
    const listed = await t.graphql('{ enquiries { id } }', {}, other);
    expect(listed.body.data.enquiries.map((e: any) => e.id)).not.toContain(enquiryId);

    // The owner still reads it, and the members name their issuer.
    const own = await t.graphql(`query { enquiry(id: "${enquiryId}") { status openedBy openedByIssuer members { actorId issuer } } }`, {}, await policeToken());
    expect(own.body.data.enquiry).toEqual({ status: 'OPEN', openedBy: SHARED_SUB, openedByIssuer: POLICE_IDP, members: [{ actorId: SHARED_SUB, issuer: POLICE_IDP }] });
    const refusals = (await readEvents(t.gateway.store, { limit: 10_000 })).filter((e) => e.enquiry?.id === enquiryId && e.outcome === 'refused');
    expect(refusals.length).toBeGreaterThanOrEqual(4);
    expect(refusals.every((e) => e.actor?.issuer === HEALTH_IDP && e.outcomeCode === 'FORBIDDEN_NOT_MEMBER')).toBe(true);
  });

  it('a second issuer’s reviewer with the same sub cannot approve the other’s police review; the force’s reviewer can', async () => {
    const { token, enquiryId, subjectId } = await policeEnquiry();
    await t.graphql(PROFILE, { enquiryId, subjectId }, token);
    const reviewer = await policeToken({ name: 'Pat Reviewer', roles: ['agency-reviewer'] });
    const requests = await t.graphql('{ reviewRequests(status: PENDING) { id enquiryId agency requestedBy requestedByIssuer } }', {}, reviewer);
    const request = requests.body.data.reviewRequests.find((r: any) => r.enquiryId === enquiryId);
    expect(request).toMatchObject({ agency: 'police', requestedBy: SHARED_SUB, requestedByIssuer: POLICE_IDP });
    const approve = `mutation { approveReview(id: "${request.id}", reason: "Relevant") { status decidedBy decidedByIssuer } }`;

    // The health IdP may not assert agency police: refused before anything is read.
    const claimingPolice = await t.graphql(approve, {}, await healthToken({ agency: 'police', roles: ['agency-reviewer'] }));
    expect(claimingPolice.status).toBe(401);
    expect(claimingPolice.body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'AGENCY_NOT_PERMITTED' });
    // As a health reviewer (what it may assert), the police request is not theirs.
    const asHealth = await t.graphql(approve, {}, await healthToken({ roles: ['agency-reviewer'] }));
    expect(asHealth.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const stillHeld = await t.graphql(PROFILE, { enquiryId, subjectId }, token);
    expect(stillHeld.text).not.toContain(NARRATIVE);

    const approved = await t.graphql(approve, {}, reviewer);
    expect(approved.body.data.approveReview).toEqual({ status: 'APPROVED', decidedBy: SHARED_SUB, decidedByIssuer: POLICE_IDP });
    expect((await t.graphql(PROFILE, { enquiryId, subjectId }, token)).text).toContain(NARRATIVE);
  });

  it('refuses a token asserting an agency its issuer may not (AGENCY_NOT_PERMITTED)', async () =>
    expectRefused(await healthToken({ agency: 'police' }), 'AGENCY_NOT_PERMITTED', /may not assert the agency "police"/));

  it('refuses a token asserting a role its issuer may not (ROLE_NOT_PERMITTED)', async () =>
    expectRefused(await healthToken({ roles: ['mash-researcher', 'mash-manager'] }), 'ROLE_NOT_PERMITTED', /may not assert the role mash-manager/));

  it('refuses roles sent as a string instead of reading it as one role', async () =>
    expectRefused(await policeToken({ roles: 'mash-researcher' }), 'INVALID_CLAIM', /must be an array of role names/));

  it('refuses a role the policy does not know', async () =>
    expectRefused(await policeToken({ roles: ['mash-researcher', 'superuser'] }), 'UNKNOWN_ROLE', /"superuser"/));

  it('refuses a token with a critical header extension, with its own reason', async () => {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'ES256', kid: policeKey.kid, typ: 'JWT', crit: ['urn:example:acr'], 'urn:example:acr': 'high' };
    const payload = { iss: POLICE_IDP, aud: AUDIENCE, iat: now, exp: now + 300, sub: SHARED_SUB, name: 'Sam Okafor', agency: 'police', roles: ['mash-researcher'] };
    const signingInput = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    const signature = await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, policeKey.privateKey, new TextEncoder().encode(signingInput));
    await expectRefused(`${signingInput}.${Buffer.from(signature).toString('base64url')}`, 'CRITICAL_HEADER_UNSUPPORTED', /critical/);
  });

  it('refuses a token living longer than its issuer’s maximum (configured, and the 12 h default)', async () => {
    await expectRefused(await healthToken({}, { exp: 2 * 3600 }), 'TOKEN_LIFETIME_TOO_LONG', /longer than the 3600 seconds/);
    await expectRefused(await policeToken({}, { exp: 13 * 3600 }), 'TOKEN_LIFETIME_TOO_LONG', /longer than the 43200 seconds/);
    const withinDefault = await t.graphql('{ me { id } }', {}, await policeToken({}, { exp: 11 * 3600 }));
    expect(withinDefault.status).toBe(200);
    // Without iat the lifetime cannot be known: refused, never measured from now.
    await expectRefused(await signToken({ key: policeKey, iss: POLICE_IDP, claims: { sub: SHARED_SUB }, omit: ['iat'] }), 'MISSING_CLAIM', /"iat"/);
  });

  it('refuses a token issued in the future beyond the clock tolerance', async () =>
    expectRefused(await policeToken({}, { iat: 600, exp: 900 }), 'TOKEN_ISSUED_IN_FUTURE', /in the future/));

  it('the demo issuer asserts only the policy’s agencies (and the local authority)', async () => {
    const response = await t.graphql('{ me { id } }', {}, await t.token({ agency: 'probation' }));
    expect(response.status).toBe(401);
    expect(response.body.errors[0].extensions.reason).toBe('AGENCY_NOT_PERMITTED');
    const council = await t.graphql('{ me { issuer agency } }', {}, await t.token({ agency: 'local-authority', roles: ['ig-officer'] }));
    expect(council.body.data.me).toEqual({ issuer: DEMO_ISSUER, agency: 'local-authority' });
  });
});

describe('issuer configuration is checked at start', () => {
  const base = { issuer: POLICE_IDP, audience: AUDIENCE, jwksUrl: 'https://idp.police.example.gov.uk/jwks.json', agencies: ['police'] };

  async function startRefusal(issuer: Record<string, unknown>): Promise<{ code: string; message: string }> {
    try {
      const t = await startTestGateway({ issuers: [issuer] });
      await t.close();
    } catch (error) {
      return error as { code: string; message: string };
    }
    throw new Error('expected the gateway to refuse to start');
  }

  it('refuses an issuer without the roles it may assert', async () => {
    expect(await startRefusal(base)).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/auth\.issuers\.0\.roles/) });
  });

  it('refuses an issuer role the policy does not know, naming it', async () => {
    const error = await startRefusal({ ...base, roles: ['mash-researcher', 'mash-superuser'] });
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('"mash-superuser" is not a role the policy knows') });
  });

  it('refuses an issuer without the agencies it may assert', async () => {
    const { agencies: _agencies, ...withoutAgencies } = base;
    expect(await startRefusal({ ...withoutAgencies, roles: ['mash-researcher'] })).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/auth\.issuers\.0\.agencies/) });
  });

  it('refuses a maximum token lifetime beyond 7 days', async () => {
    const error = await startRefusal({ ...base, roles: ['mash-researcher'], maxTokenLifetimeSeconds: 8 * 24 * 3600 });
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/maxTokenLifetimeSeconds: must be at most 604800/) });
  });
});
