import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayFromIso, generateCounty } from '../../sandbox/county/index.js';
import { HousingSqlError, startHousingSystem, type HousingSystem } from '../../sandbox/housing/index.js';

const county = generateCounty({ seed: 1, households: 200 });
const view = county.views.housing;
const big = generateCounty({ seed: 5, households: 4000 });

function signature(c: typeof county): string {
  const v = c.views.housing;
  return JSON.stringify([v.tenancies, v.members, v.homelessnessCases, v.temporaryAccommodation, v.asbCases, v.rentAccounts, v.possessionActions]);
}

describe('housing view of the county', () => {
  it('numbers members within a tenancy or case reference, lead tenant first, and maps each back to the true person', () => {
    for (const member of view.members) {
      expect(member.personRef).toBe(`${member.householdRef}/${member.memberNo}`);
      expect(member.personRef).toMatch(/^(T|HL)\d{6}\/\d+$/);
      expect(view.truth.get(member.personRef)).toBe(member.personId);
      if (member.memberNo === 1) expect(member.relationship).toBe('L');
      const person = county.personsById.get(member.personId)!;
      if (member.relationship === 'C') expect(person.role).toBe('child');
    }
    expect(new Set(view.members.map((m) => m.personRef)).size).toBe(view.members.length);
  });

  it('puts every tenancy at its household’s true current address, starting when they moved in', () => {
    for (const tenancy of view.tenancies) {
      const members = view.members.filter((m) => m.householdRef === tenancy.tenancyRef);
      expect(members.length).toBeGreaterThan(0);
      const household = county.householdsById.get(county.personsById.get(members[0]!.personId)!.householdId)!;
      expect(tenancy.address.uprn).toBe(county.addressesById.get(household.addressId)!.uprn);
      expect(tenancy.startDate).toBe(household.movedIn);
      expect(members.map((m) => m.personId).sort()).toEqual([...household.memberIds].sort());
    }
  });

  it('closes homelessness cases of households that moved on the day they moved, at the home they lost', () => {
    for (const c of big.views.housing.homelessnessCases) {
      const member = big.views.housing.members.find((m) => m.householdRef === c.householdRef)!;
      const household = big.householdsById.get(big.personsById.get(member.personId)!.householdId)!;
      if (c.status === 'closed') {
        expect(c.closedDate).toBe(household.movedIn);
        expect(c.address.id).toBe(household.previousAddressId);
        expect(c.approachDate < household.movedIn).toBe(true);
      } else {
        expect(household.previousAddressId).toBeUndefined();
        expect(c.address.id).toBe(household.addressId);
      }
    }
  });

  it('ends temporary accommodation before the household moved into its home, and never records a refuge address', () => {
    const v = big.views.housing;
    expect(v.temporaryAccommodation.length).toBeGreaterThan(0);
    for (const placement of v.temporaryAccommodation) {
      const c = v.homelessnessCases.find((x) => x.caseRef === placement.caseRef)!;
      expect(placement.endDate! < c.closedDate!).toBe(true);
      if (placement.type === 'refuge') expect(placement.address).toBeUndefined();
      else expect(placement.address?.uprn).toMatch(/^\d{12}$/);
    }
  });

  it('raises homelessness, anti-social behaviour and arrears where the household has known risk factors', () => {
    const v = big.views.housing;
    const risky = (householdId: string): boolean => {
      const f = big.householdsById.get(householdId)!.factors;
      return f.neglect || f.domesticAbuse || f.parentalMentalHealth || f.parentalSubstanceMisuse;
    };
    const householdOf = (ref: string): string => big.personsById.get(v.members.find((m) => m.householdRef === ref)!.personId)!.householdId;
    const tenancyRisk = v.tenancies.map((t) => risky(householdOf(t.tenancyRef)));
    const rate = (refs: ReadonlySet<string>, wantRisk: boolean): number => {
      const pool = v.tenancies.filter((_, i) => tenancyRisk[i] === wantRisk);
      return pool.filter((t) => refs.has(t.tenancyRef)).length / pool.length;
    };
    const withArrears = new Set(v.rentAccounts.map((r) => r.tenancyRef));
    const withAsb = new Set(v.asbCases.map((a) => a.householdRef));
    expect(rate(withArrears, true)).toBeGreaterThan(rate(withArrears, false));
    expect(rate(withAsb, true)).toBeGreaterThan(rate(withAsb, false));
    // Social renting: about one English household in six.
    expect(v.tenancies.length / big.households.length).toBeGreaterThan(0.12);
    expect(v.tenancies.length / big.households.length).toBeLessThan(0.3);
  });

  it('serves notices of seeking possession only on arrears of four weeks or more, and orders only after a notice', () => {
    const v = big.views.housing;
    for (const action of v.possessionActions) {
      const account = v.rentAccounts.find((r) => r.tenancyRef === action.tenancyRef)!;
      expect(account.arrearsWeeks).toBeGreaterThanOrEqual(action.action === 'NOSP' ? 4 : 8);
      if (action.action === 'possession-order') {
        const nosp = v.possessionActions.find((a) => a.tenancyRef === action.tenancyRef && a.action === 'NOSP')!;
        expect(nosp.actionDate <= action.actionDate).toBe(true);
      }
      expect(dayFromIso(action.actionDate)).toBeLessThan(dayFromIso(big.asOf));
    }
  });

  it('applies name and date noise to some records but never to the featured household', () => {
    const v = big.views.housing;
    const noised = v.members.filter((m) => {
      const p = big.personsById.get(m.personId)!;
      return m.familyName !== p.family || m.givenNames.join(' ') !== p.given.join(' ') || m.birthDate !== p.birthDate;
    });
    expect(noised.length).toBeGreaterThan(0);
    expect(noised.length / v.members.length).toBeLessThan(0.15);
    for (const m of view.members.filter((x) => county.householdsById.get(county.featured.householdId)!.memberIds.includes(x.personId))) {
      const p = county.personsById.get(m.personId)!;
      expect([m.familyName, m.givenNames, m.birthDate]).toEqual([p.family, p.given, p.birthDate]);
    }
  });

  it('gives the featured household a council tenancy after homelessness and temporary accommodation, arrears with a notice, and an open ASB case', () => {
    const { child, parent } = county.featured;
    const refs = view.personRefsByPersonId.get(child.id)!;
    expect(refs).toHaveLength(1);
    const tenancyRef = refs[0]!.split('/')[0]!;
    const tenancy = view.tenancies.find((t) => t.tenancyRef === tenancyRef)!;
    expect(tenancy.tenancyType).toBe('introductory');
    expect(view.personRefsByPersonId.get(parent.id)).toEqual([`${tenancyRef}/1`]);
    expect(view.homelessnessCases.filter((c) => c.householdRef === tenancyRef)).toHaveLength(1);
    expect(view.temporaryAccommodation.filter((p) => p.householdRef === tenancyRef)).toHaveLength(1);
    expect(view.rentAccounts.find((r) => r.tenancyRef === tenancyRef)?.recoveryStage).toBe('Notice of seeking possession served');
    expect(view.asbCases.find((a) => a.householdRef === tenancyRef)?.status).toBe('open');
  });

  it('is deterministic for a seed', () => {
    expect(signature(generateCounty({ seed: 1, households: 200 }))).toBe(signature(county));
    expect(signature(generateCounty({ seed: 2, households: 200 }))).not.toBe(signature(county));
  });
});

describe('housing database', () => {
  let system: HousingSystem;
  const signal = (): AbortSignal => AbortSignal.timeout(10_000);

  beforeAll(async () => {
    system = await startHousingSystem({ county });
  });
  afterAll(async () => {
    await system.close();
  });

  it('loads every table of the view', async () => {
    const count = async (table: string): Promise<number> => ((await system.query(`SELECT count(*)::int AS n FROM ${table}`, [], signal())).rows[0] as { n: number }).n;
    expect(await count('tenancies')).toBe(view.tenancies.length);
    expect(await count('household_members')).toBe(view.members.length);
    expect(await count('homelessness_cases')).toBe(view.homelessnessCases.length);
    expect(await count('temporary_accommodation')).toBe(view.temporaryAccommodation.length);
    expect(await count('asb_cases')).toBe(view.asbCases.length);
    expect(await count('rent_accounts')).toBe(view.rentAccounts.length);
    expect(await count('possession_actions')).toBe(view.possessionActions.length);
  });

  it('records the queries it receives', async () => {
    system.clearQueries();
    await system.query('SELECT 1 AS one', [], signal());
    expect(system.queries()).toEqual([{ sql: 'SELECT 1 AS one', params: [] }]);
  });

  it('fails with SQLSTATE codes for the error and unreachable faults, and answers the wrong shape when malformed', async () => {
    system.setFaults({ errorRate: 1 });
    await expect(system.query('SELECT 1', [], signal())).rejects.toMatchObject({ code: 'XX000' });
    system.setFaults({ unreachable: true });
    await expect(system.query('SELECT 1', [], signal())).rejects.toBeInstanceOf(HousingSqlError);
    system.setFaults({ malformed: true });
    expect((await system.query('SELECT 1 AS one', [], signal())).rows[0]).not.toHaveProperty('one');
    system.setFaults({ hang: true });
    await expect(system.query('SELECT 1', [], AbortSignal.timeout(50))).rejects.toThrow();
    system.setFaults({});
    expect((await system.query('SELECT 1 AS one', [], signal())).rows).toEqual([{ one: 1 }]);
  });

  it('refuses bad fault settings', () => {
    expect(() => system.setFaults({ errorRate: 2 })).toThrow(RangeError);
    expect(() => system.setFaults({ latencyMs: -1 })).toThrow(RangeError);
  });
});
