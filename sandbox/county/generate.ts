import { dayFromIso } from './dates.js';
import { buildFeaturedHousehold } from './featured.js';
import type { County, CountyCore, CountyOptions, LocalAuthority } from './model.js';
import { COUNTY_NAME, Geography, dramaPhone, makeGpPractices, makeSchools } from './places.js';
import { PopulationBuilder } from './population.js';
import { Rng } from './prng.js';
import { buildHealthView } from './views/health.js';
import { buildPoliceView } from './views/police.js';
import { buildSocialCareView } from './views/social-care.js';
import { buildEducationView } from './views/education.js';
import { buildHousingView } from './views/housing.js';

export const DEFAULT_AS_OF = '2025-09-30';

/**
 * Generates the synthetic county for a seed: deterministic (same seed and options, same county,
 * on any machine and any day) and linear in size (100,000 persons in a second or two).
 * Household 1 is the featured household; the rest are random.
 */
export function generateCounty(options: CountyOptions = {}): County {
  const seed = (options.seed ?? 1) >>> 0;
  const householdCount = Math.max(1, Math.floor(options.households ?? 200));
  const asOf = options.asOf ?? DEFAULT_AS_OF;
  const asOfDay = dayFromIso(asOf);

  const geo = new Geography(seed, householdCount);
  const gpPractices = makeGpPractices(geo, seed, householdCount);
  const schools = makeSchools(geo, seed, householdCount);
  const builder = new PopulationBuilder(seed, asOfDay, geo, gpPractices, schools);
  const featured = buildFeaturedHousehold(builder);
  for (let i = 1; i < householdCount; i++) builder.randomHousehold(i);

  const laRng = Rng.derive(seed, 'local-authority');
  const localAuthority: LocalAuthority = {
    name: `${COUNTY_NAME} County Council`,
    childrensServices: {
      name: "Children's Services Front Door (MASH)",
      role: 'Duty social worker',
      phone: dramaPhone(laRng),
      organisation: `${COUNTY_NAME} County Council`,
    },
  };

  const core: CountyCore = {
    seed,
    name: COUNTY_NAME,
    asOf,
    localAuthority,
    towns: geo.towns,
    households: builder.households,
    persons: builder.persons,
    addresses: geo.addresses,
    gpPractices,
    schools,
    personsById: builder.personsById,
    householdsById: builder.householdsById,
    addressesById: geo.addressesById,
    gpPracticesById: new Map(gpPractices.map((p) => [p.id, p])),
    schoolsById: new Map(schools.map((s) => [s.id, s])),
    featured,
  };
  const health = buildHealthView(core, options.health);
  const police = buildPoliceView(core, options.police);
  // Social care receives the police notifications about children (MASH practice), so it follows police.
  const socialCare = buildSocialCareView(core, options.socialCare, police);
  const education = buildEducationView(core, options.education);
  const housing = buildHousingView(core, options.housing);
  return {
    ...core,
    views: { health, police, socialCare, education, housing },
    truth: { health: health.truth, police: police.truth, socialCare: socialCare.truth, education: education.truth, housing: housing.truth },
  };
}
