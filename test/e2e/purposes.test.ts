import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '../../gateway/audit/index.js';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../../policies/index.js';
import { enquiryInput, OPEN_ENQUIRY, startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * The purposes query over HTTP: the policy's purposes as the policy file defines them, for any
 * signed-in caller, with whether the caller may open an enquiry for each; what it says agrees with
 * what openEnquiry does.
 */
const PURPOSES = '{ purposes { id label legalBasis consent roles opensEnquiry mayOpen } }';

interface Purpose {
  id: string;
  label: string;
  legalBasis: string;
  consent: string;
  roles: string[];
  opensEnquiry: boolean;
  mayOpen: boolean;
}

describe('the purposes query', () => {
  let t: TestGateway;
  const tokens: Record<string, string> = {};
  const policy = loadPolicyFile(DEFAULT_POLICY_PATH).document;

  beforeAll(async () => {
    t = await startTestGateway({ households: 20 });
    tokens.researcher = await t.token();
    tokens.outOfHours = await t.token({ sub: 'ooh-1', name: 'Owen Outofhours', agency: 'social-care', roles: ['out-of-hours'] });
    tokens.school = await t.token({ sub: 'dsl-1', name: 'Dana Lead', agency: 'education', roles: ['school-dsl'], school: '9999999' });
    tokens.ig = await t.token({ sub: 'ig-1', name: 'Ira Governance', agency: 'local-authority', roles: ['ig-officer'] });
  }, 120_000);
  afterAll(async () => t?.close());

  const purposesFor = async (token: string): Promise<Purpose[]> => {
    const response = await t.graphql(PURPOSES, {}, token);
    expect(response.body.errors).toBeUndefined();
    return response.body.data.purposes as Purpose[];
  };

  it('lists every purpose of the policy in force, in its order, with its label, legal basis, consent and roles', async () => {
    const listed = await purposesFor(tokens.researcher!);
    const expected = Object.entries(policy.purposes);
    expect(listed.map((p) => p.id)).toEqual(expected.map(([id]) => id));
    for (const [id, purpose] of expected) {
      const shown = listed.find((p) => p.id === id)!;
      expect(shown).toMatchObject({ label: purpose.label, legalBasis: purpose.legalBasis, roles: purpose.roles });
      expect(shown.consent).toBe({ required: 'REQUIRED', optional: 'OPTIONAL', 'not-required': 'NOT_REQUIRED' }[purpose.consent]);
    }
    expect(listed.find((p) => p.id === 's17')!.consent).toBe('REQUIRED');
    expect(listed.find((p) => p.id === 's47')!.consent).toBe('NOT_REQUIRED');
  });

  it('says which purposes the caller’s roles may open an enquiry for', async () => {
    const mayOpen = async (token: string) => (await purposesFor(token)).filter((p) => p.mayOpen).map((p) => p.id);
    const researcher = await mayOpen(tokens.researcher!);
    expect(researcher).toEqual(expect.arrayContaining(['s47', 's17', 'early-help']));
    expect(researcher).not.toContain('emergency');
    expect(await mayOpen(tokens.outOfHours!)).toEqual(['emergency']);
    expect(await mayOpen(tokens.school!)).toEqual(['operation-encompass']);
    // Listed for every signed-in caller, even one who may open none.
    const ig = await purposesFor(tokens.ig!);
    expect(ig).toHaveLength(Object.keys(policy.purposes).length);
    expect(ig.every((p) => !p.mayOpen)).toBe(true);
  });

  it('agrees with openEnquiry: a purpose the caller may not open is refused, one needing consent is refused without it', async () => {
    const purposes = await purposesFor(tokens.researcher!);
    const notOpen = purposes.find((p) => !p.mayOpen)!;
    const refused = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ purpose: notOpen.id, justification: 'Child at risk tonight' }) }, tokens.researcher);
    expect(refused.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const needsConsent = purposes.find((p) => p.mayOpen && p.consent === 'REQUIRED')!;
    const withoutConsent = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ purpose: needsConsent.id, consentRecorded: false }) }, tokens.researcher);
    expect(withoutConsent.body.errors[0]).toMatchObject({ extensions: { code: 'BAD_INPUT', field: 'consentRecorded' } });
    const noConsentNeeded = purposes.find((p) => p.mayOpen && p.consent === 'NOT_REQUIRED')!;
    const opened = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ purpose: noConsentNeeded.id, consentRecorded: false }) }, tokens.researcher);
    expect(opened.body.errors).toBeUndefined();
  });

  it('marks the daily domestic-abuse triage as opening no enquiry, and openEnquiry refuses it (BAD_INPUT), audited', async () => {
    const listed = await purposesFor(tokens.researcher!);
    expect(listed.filter((p) => !p.opensEnquiry).map((p) => p.id)).toEqual(['domestic-abuse-triage']);
    // Its roles include the researcher's, yet no enquiry can be opened under it.
    expect(listed.find((p) => p.id === 'domestic-abuse-triage')).toMatchObject({ roles: ['mash-researcher', 'mash-manager'], mayOpen: false });
    const refused = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ referralReference: 'REF-TRIAGE-PURPOSE', purpose: 'domestic-abuse-triage' }) }, tokens.researcher);
    expect(refused.body.errors[0]).toMatchObject({ extensions: { code: 'BAD_INPUT', field: 'purpose' } });
    expect(refused.body.errors[0].message).toContain('openEnquiryFromIncident');
    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    expect(events.filter((e) => e.operation === 'openEnquiry' && e.outcomeCode === 'BAD_INPUT').length).toBeGreaterThan(0);
  });

  it('is refused without a token, and is not recorded as a disclosure', async () => {
    const anonymous = await t.graphql(PURPOSES, {});
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.data?.purposes).toBeUndefined();
    await t.graphql('{ me { id } }', {}, tokens.researcher);
    const before = (await readEvents(t.gateway.store, { limit: 10_000 })).length;
    await purposesFor(tokens.researcher!);
    expect((await readEvents(t.gateway.store, { limit: 10_000 })).length).toBe(before);
  });
});
