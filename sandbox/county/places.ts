/**
 * The county's geography: towns with postcode districts, streets made up on demand, unique
 * addresses with UPRNs, GP practices and schools. Postcodes follow the UK format (`MH3 7QD`:
 * area, district, sector digit, unit letters from the allowed set) in the fictional `MH` area.
 * Phone numbers come from Ofcom's drama range (01632 960000-960999), so none is a real line.
 */
import { Rng } from './prng.js';
import type { GpPractice, PlaceAddress, School, Town } from './model.js';

export const COUNTY_NAME = 'Marlshire';
export const POSTCODE_AREA = 'MH';

/** Towns with their share of households. */
const TOWN_TABLE: ReadonlyArray<{ name: string; districts: number[]; weight: number }> = [
  { name: 'Marlbridge', districts: [1, 2, 3, 4], weight: 0.34 },
  { name: 'Ashcombe', districts: [5, 6], weight: 0.12 },
  { name: 'Kingsmere', districts: [7, 8], weight: 0.12 },
  { name: 'Eastholt', districts: [9], weight: 0.08 },
  { name: 'Thornby', districts: [10, 11], weight: 0.11 },
  { name: 'Wyckham', districts: [12], weight: 0.06 },
  { name: 'Saltfleet', districts: [13, 14], weight: 0.1 },
  { name: 'Brackenford', districts: [15], weight: 0.07 },
];

const STREET_PREFIXES = [
  'Church', 'Mill', 'Station', 'Oak', 'Victoria', 'Park', 'Queens', 'Kings', 'Manor', 'Meadow',
  'Orchard', 'Chapel', 'School', 'Highfield', 'Westfield', 'Brook', 'Willow', 'Elm', 'Ash',
  'Beech', 'Cedar', 'Hawthorn', 'Rowan', 'Holly', 'Primrose', 'Bluebell', 'Foxglove', 'Heather',
  'Kestrel', 'Falcon', 'Lark', 'Linnet', 'Marl', 'Quarry', 'Forge', 'Tannery', 'Wharf', 'Canal',
  'Riverside', 'Bridge', 'Market', 'Castle', 'Abbey', 'Priory', 'Grange', 'Hall', 'Windmill',
  'Cherry', 'Poplar', 'Sycamore', 'Chestnut', 'Laburnum', 'Nelson', 'Wellington', 'Albert',
  'Alexandra', 'Coronation', 'Jubilee', 'Princess', 'Stanley', 'Gladstone', 'Cromwell', 'Milton',
  'Shelley', 'Tennyson', 'Keats', 'Wordsworth', 'Darwin', 'Brunel', 'Telford', 'Stephenson',
];
const STREET_SUFFIXES = [
  'Road', 'Street', 'Lane', 'Close', 'Avenue', 'Drive', 'Way', 'Crescent', 'Gardens', 'Grove',
  'Place', 'Court', 'Terrace', 'Rise', 'View', 'Walk', 'Mews', 'Row',
];
const BLOCK_NAMES = ['House', 'Court', 'Lodge', 'Heights', 'Point', 'Mansions'];
/** Letters allowed in the unit part of a postcode (not C I K M O V). */
const UNIT_LETTERS = [...'ABDEFGHJLNPQRSTUWXYZ'];

interface Street {
  name: string;
  district: string;
  length: number;
  townIndex: number;
  index: number;
}

export class Geography {
  readonly towns: Town[];
  readonly townWeights: number[];
  readonly addresses: PlaceAddress[] = [];
  readonly addressesById = new Map<string, PlaceAddress>();
  private readonly streets: Street[][];
  private readonly streetNames: Set<string>[];
  private readonly targetStreets: number[];
  private readonly usedPlaces = new Set<string>();
  private readonly usedUprns = new Set<string>();
  private readonly seed: number;

  constructor(seed: number, households: number) {
    this.seed = seed;
    this.towns = TOWN_TABLE.map((t) => ({ name: t.name, districts: t.districts.map((d) => `${POSTCODE_AREA}${d}`) }));
    this.townWeights = TOWN_TABLE.map((t) => t.weight);
    this.streets = TOWN_TABLE.map(() => []);
    this.streetNames = TOWN_TABLE.map(() => new Set<string>());
    // Enough streets that addresses stay sparse (about a third of house numbers used).
    const needed = households * 1.3 + 200;
    this.targetStreets = TOWN_TABLE.map((t) => Math.max(12, Math.ceil((t.weight * needed) / 30)));
  }

  pickTown(rng: Rng): number {
    return rng.weighted(this.townWeights);
  }

  private street(townIndex: number, index: number): Street {
    const streets = this.streets[townIndex] as Street[];
    const names = this.streetNames[townIndex] as Set<string>;
    while (streets.length <= index) {
      const i = streets.length;
      const rng = Rng.derive(this.seed, 'street', townIndex, i);
      let name = '';
      for (let attempt = 0; attempt < 50; attempt++) {
        name = `${rng.pick(STREET_PREFIXES)} ${rng.pick(STREET_SUFFIXES)}`;
        if (!names.has(name)) break;
      }
      if (names.has(name)) name = `${name} ${i}`;
      names.add(name);
      const town = this.towns[townIndex] as Town;
      streets.push({ name, district: rng.pick(town.districts), length: rng.int(12, 160), townIndex, index: i });
    }
    return streets[index] as Street;
  }

  private postcode(street: Street, houseNumber: number): string {
    // One postcode unit per block of about 15 house numbers on a street.
    const rng = Rng.derive(this.seed, 'postcode', street.townIndex, street.index, Math.floor(houseNumber / 15));
    const unit = `${rng.int(1, 9)}${rng.pick(UNIT_LETTERS)}${rng.pick(UNIT_LETTERS)}`;
    return `${street.district} ${unit}`;
  }

  private uprn(rng: Rng): string {
    for (;;) {
      // Fictional range: 99 followed by ten digits.
      const uprn = `99${String(rng.int(0, 99_999)).padStart(5, '0')}${String(rng.int(0, 99_999)).padStart(5, '0')}`;
      if (!this.usedUprns.has(uprn)) {
        this.usedUprns.add(uprn);
        return uprn;
      }
    }
  }

  /** A new unique address in a town (chosen by weight when not given). */
  allocate(rng: Rng, townIndex = this.pickTown(rng), streetLimit?: number, dwelling = true): PlaceAddress {
    const streetCount = Math.min(streetLimit ?? Infinity, this.targetStreets[townIndex] as number);
    for (let attempt = 0; ; attempt++) {
      // After many collisions, open a new street rather than spin.
      const streetIndex = attempt < 40 ? rng.int(0, streetCount - 1) : streetCount + attempt - 40;
      const street = this.street(townIndex, streetIndex);
      const houseNumber = rng.int(1, street.length);
      const flat = dwelling && rng.chance(0.12) ? rng.int(1, 24) : 0;
      const key = `${townIndex}|${streetIndex}|${houseNumber}|${flat}`;
      if (this.usedPlaces.has(key)) continue;
      this.usedPlaces.add(key);
      const town = this.towns[townIndex] as Town;
      const id = `a${String(this.addresses.length + 1).padStart(6, '0')}`;
      const address: PlaceAddress =
        flat > 0
          ? {
              id,
              uprn: this.uprn(rng),
              line1: `Flat ${flat}`,
              line2: `${street.name.split(' ')[0] as string} ${BLOCK_NAMES[houseNumber % BLOCK_NAMES.length] as string}, ${houseNumber} ${street.name}`,
              city: town.name,
              postcode: this.postcode(street, houseNumber),
            }
          : {
              id,
              uprn: this.uprn(rng),
              line1: `${houseNumber} ${street.name}`,
              city: town.name,
              postcode: this.postcode(street, houseNumber),
            };
      this.addresses.push(address);
      this.addressesById.set(id, address);
      return address;
    }
  }
}

export function dramaPhone(rng: Rng): string {
  return `01632 960${String(rng.int(0, 999)).padStart(3, '0')}`;
}

const PRACTICE_PATTERNS = [
  (town: string) => `${town} Medical Centre`,
  (town: string) => `${town} Health Centre`,
  (town: string) => `The ${town} Surgery`,
  (_town: string, street: string) => `${street} Surgery`,
  (_town: string, street: string) => `${street} Medical Practice`,
  (town: string) => `${town} Family Practice`,
];

export function makeGpPractices(geo: Geography, seed: number, households: number): GpPractice[] {
  const practices: GpPractice[] = [];
  const usedNames = new Set<string>();
  geo.towns.forEach((town, townIndex) => {
    const count = Math.max(1, Math.round(((geo.townWeights[townIndex] as number) * households) / 2500));
    for (let i = 0; i < count; i++) {
      const rng = Rng.derive(seed, 'gp', townIndex, i);
      const address = geo.allocate(rng, townIndex, 12, false);
      const streetWord = address.line1.replace(/^\d+\s+/, '').split(' ')[0] ?? town.name;
      let name = '';
      for (let attempt = 0; attempt < 20; attempt++) {
        name = rng.pick(PRACTICE_PATTERNS)(town.name, streetWord);
        if (!usedNames.has(name)) break;
      }
      if (usedNames.has(name)) name = `${name} (${i + 1})`;
      usedNames.add(name);
      practices.push({
        id: `gp${String(practices.length + 1).padStart(3, '0')}`,
        odsCode: `M9${String(1000 + townIndex * 100 + i).padStart(4, '0')}`,
        name,
        phone: dramaPhone(rng),
        address,
        town: town.name,
      });
    }
  });
  return practices;
}

const PRIMARY_PATTERNS = [
  (town: string) => `${town} Primary School`,
  (_town: string, word: string) => `${word} Primary Academy`,
  (_town: string, word: string) => `${word} Infant and Junior School`,
  () => "St Mary's CE Primary School",
  () => "St Joseph's Catholic Primary School",
  (town: string) => `${town} Community Primary School`,
  () => 'Holy Trinity CE Primary School',
];
const SECONDARY_PATTERNS = [
  (town: string) => `${town} Academy`,
  (town: string) => `${town} High School`,
  (town: string) => `${town} Community College`,
  () => "St Benedict's Catholic High School",
];

export function makeSchools(geo: Geography, seed: number, households: number): School[] {
  const schools: School[] = [];
  const usedNames = new Set<string>();
  let urn = 150_000;
  geo.towns.forEach((town, townIndex) => {
    const weight = geo.townWeights[townIndex] as number;
    const phases: Array<{ phase: School['phase']; count: number }> = [
      { phase: 'primary', count: Math.max(1, Math.round((weight * households) / 350)) },
      { phase: 'secondary', count: Math.max(1, Math.round((weight * households) / 1500)) },
    ];
    for (const { phase, count } of phases) {
      for (let i = 0; i < count; i++) {
        const rng = Rng.derive(seed, 'school', townIndex, phase, i);
        const address = geo.allocate(rng, townIndex, 12, false);
        const word = address.line1.replace(/^\d+\s+/, '').split(' ')[0] ?? town.name;
        const patterns = phase === 'primary' ? PRIMARY_PATTERNS : SECONDARY_PATTERNS;
        let name = '';
        for (let attempt = 0; attempt < 20; attempt++) {
          name = rng.pick(patterns)(town.name, word);
          if (!usedNames.has(name)) break;
        }
        if (usedNames.has(name)) name = `${name}, ${town.name}`;
        if (usedNames.has(name)) name = `${name} (${i + 1})`;
        usedNames.add(name);
        urn += rng.int(3, 40);
        schools.push({
          id: `sch${String(schools.length + 1).padStart(3, '0')}`,
          urn: String(urn),
          name,
          phase,
          phone: dramaPhone(rng),
          address,
          town: town.name,
        });
      }
    }
  });
  return schools;
}
