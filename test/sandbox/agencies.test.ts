import { describe, expect, it } from 'vitest';
import { startSandbox } from '../../sandbox/index.js';

const signal = (): AbortSignal => new AbortController().signal;

describe('the sandbox started for some agencies', () => {
  it('loads only the agency databases asked for; the others refuse queries as a database that is down', async () => {
    const sandbox = await startSandbox({ seed: 7, households: 12, agencies: ['health', 'social-care'] });
    try {
      const { rows } = await sandbox.socialCare.query('SELECT count(*)::int AS n FROM person');
      expect(rows[0]!.n).toBe(sandbox.county.views.socialCare.persons.length);
      await expect(sandbox.housing.query('SELECT 1', [], signal())).rejects.toMatchObject({ name: 'HousingSqlError', code: '08006' });
      // The county is whole: the other views are there for the agencies that serve them.
      expect(sandbox.county.views.housing.members.length).toBeGreaterThan(0);
    } finally {
      await sandbox.close();
    }
  });

  it('refuses social care queries when only housing is asked for', async () => {
    const sandbox = await startSandbox({ seed: 7, households: 12, agencies: ['housing'] });
    try {
      await expect(sandbox.socialCare.query('SELECT 1')).rejects.toMatchObject({ name: 'SocialCareDatabaseError', code: 'ECONNREFUSED' });
      const { rows } = await sandbox.housing.query('SELECT count(*)::int AS n FROM household_members', [], signal());
      expect(rows[0]!.n).toBe(sandbox.county.views.housing.members.length);
    } finally {
      await sandbox.close();
    }
  });
});
