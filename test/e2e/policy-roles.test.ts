import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '../../gateway/audit/index.js';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../../policies/index.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * The policyRoles query over HTTP: the policy's roles as the policy file defines them, for any
 * signed-in caller, not recorded as a disclosure; a role it lists is one explainAccess answers for.
 */
const POLICY_ROLES = '{ policyRoles { id label } }';

describe('the policyRoles query', () => {
  let t: TestGateway;
  const policy = loadPolicyFile(DEFAULT_POLICY_PATH).document;

  beforeAll(async () => {
    t = await startTestGateway({ households: 20 });
  }, 120_000);
  afterAll(async () => t?.close());

  const rolesFor = async (token: string): Promise<{ id: string; label: string }[]> => {
    const response = await t.graphql(POLICY_ROLES, {}, token);
    expect(response.body.errors).toBeUndefined();
    return response.body.data.policyRoles;
  };

  it('lists every role of the policy in force, in its order, with its label', async () => {
    const listed = await rolesFor(await t.token());
    expect(listed).toEqual(Object.entries(policy.roles).map(([id, label]) => ({ id, label })));
    expect(listed.map((r) => r.id)).toEqual(expect.arrayContaining(['mash-researcher', 'mash-manager', 'ig-officer', 'agency-reviewer']));
    expect(listed.find((r) => r.id === 'mash-manager')!.label).toBe('MASH manager');
  });

  it('is the same for any signed-in caller, whatever their roles', async () => {
    const researcher = await rolesFor(await t.token());
    const school = await rolesFor(await t.token({ sub: 'dsl-1', name: 'Dana Lead', agency: 'education', roles: ['school-dsl'], school: '9999999' }));
    const ig = await rolesFor(await t.token({ sub: 'ig-1', name: 'Ira Governance', agency: 'local-authority', roles: ['ig-officer'] }));
    expect(school).toEqual(researcher);
    expect(ig).toEqual(researcher);
  });

  it('is refused without a token, and is not recorded as a disclosure', async () => {
    const anonymous = await t.graphql(POLICY_ROLES, {});
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.data?.policyRoles).toBeUndefined();
    const token = await t.token();
    await t.graphql('{ me { id } }', {}, token);
    const before = (await readEvents(t.gateway.store, { limit: 10_000 })).length;
    await rolesFor(token);
    expect((await readEvents(t.gateway.store, { limit: 10_000 })).length).toBe(before);
  });
});
