/**
 * The featured household: one family written for demos and end-to-end tests. It comes from its
 * own random stream and is generated first, so for a given seed the child's name, birth date and
 * NHS number do not depend on the county's size. The health view gives the child a record in
 * every health category (see views/health.ts).
 *
 * The story: a 14-year-old girl on a child protection plan (neglect) lives with her mother, her
 * mother's partner and their baby. Her mother has depression and disclosed domestic abuse in
 * pregnancy; the family moved eight months ago.
 */
import { isoDate } from './dates.js';
import type { FeaturedHousehold, Household } from './model.js';
import { CHILD_FEMALE_GIVEN, ADULT_FEMALE_GIVEN, ADULT_MALE_GIVEN, CHILD_MALE_GIVEN, SURNAMES } from './names.js';
import type { PopulationBuilder } from './population.js';
import { Rng } from './prng.js';

/** Town index of Marlbridge, the county town (see places.ts). */
const FEATURED_TOWN = 0;

export function buildFeaturedHousehold(builder: PopulationBuilder): FeaturedHousehold {
  const rng = Rng.derive(builder.seed, 'featured');
  const asOf = builder.asOfDay;
  const id = 'h000001';
  // Plain single-word surnames, so a demo can type them; the partner's differs from the mother's.
  const plainSurnames = SURNAMES.filter((s) => /^[A-Z][a-z]+$/.test(s));
  const motherFamily = rng.pick(plainSurnames);
  let partnerFamily = rng.pick(plainSurnames);
  while (partnerFamily === motherFamily) partnerFamily = rng.pick(plainSurnames);

  const childBirth = asOf - (14 * 365 + rng.int(60, 300));
  const motherBirth = childBirth - rng.int(19 * 365, 23 * 365);
  const partnerBirth = motherBirth - rng.int(0, 6 * 365);
  const siblingBirth = asOf - rng.int(240, 560);

  const parent = builder.addPerson(rng, {
    householdId: id,
    role: 'adult',
    sex: 'female',
    birthDay: motherBirth,
    family: motherFamily,
    given: [rng.pick(ADULT_FEMALE_GIVEN), rng.pick(ADULT_FEMALE_GIVEN)].filter((v, i, a) => a.indexOf(v) === i),
  });
  const partner = builder.addPerson(rng, {
    householdId: id,
    role: 'adult',
    sex: 'male',
    birthDay: partnerBirth,
    family: partnerFamily,
    given: [rng.pick(ADULT_MALE_GIVEN)],
  });
  const child = builder.addPerson(rng, {
    householdId: id,
    role: 'child',
    sex: 'female',
    birthDay: childBirth,
    family: motherFamily,
    given: [rng.pick(CHILD_FEMALE_GIVEN), rng.pick(CHILD_FEMALE_GIVEN)].filter((v, i, a) => a.indexOf(v) === i),
  });
  const siblingSex = rng.chance(0.5) ? 'male' : 'female';
  const sibling = builder.addPerson(rng, {
    householdId: id,
    role: 'child',
    sex: siblingSex,
    birthDay: siblingBirth,
    family: partnerFamily,
    given: [rng.pick(siblingSex === 'male' ? CHILD_MALE_GIVEN : CHILD_FEMALE_GIVEN)],
  });
  builder.linkParent(parent, child);
  builder.linkParent(parent, sibling);
  builder.linkParent(partner, sibling);

  const planStart = isoDate(asOf - 150);
  child.childProtection = { plan: 'CPP', category: 'neglect', start: planStart };
  sibling.childProtection = { plan: 'CPP', category: 'neglect', start: planStart };

  const address = builder.geo.allocate(rng, FEATURED_TOWN);
  const previous = builder.geo.allocate(rng, FEATURED_TOWN);
  const household: Household = {
    id,
    addressId: address.id,
    previousAddressId: previous.id,
    movedIn: isoDate(asOf - 240),
    memberIds: [parent.id, partner.id, child.id, sibling.id],
    factors: { domesticAbuse: true, parentalMentalHealth: true, parentalSubstanceMisuse: false, neglect: true },
  };
  builder.addHousehold(household);
  builder.placeServices(rng, [parent, partner, child, sibling], builder.geo.towns[FEATURED_TOWN]?.name ?? '');
  return { householdId: id, child, parent, partner, sibling };
}
