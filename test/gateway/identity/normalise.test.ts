import { describe, expect, it } from 'vitest';
import { givenRoots, parseFebrlTable, parseNicknameCsv, PLACEHOLDER_PHRASES, sameGivenRoot, SURNAME_PREFIXES, TITLES } from '../../../gateway/identity/names.js';
import {
  normaliseAddress,
  normaliseCity,
  normaliseDate,
  normaliseEmail,
  normaliseIdentifier,
  normaliseName,
  normalisePerson,
  normalisePhone,
  normalisePostcode,
  normaliseSex,
  PROBLEMS,
  UPN_SYSTEM,
} from '../../../gateway/identity/normalise.js';
import { upnCheckLetter } from '../../../connectors/education/upn.js';
import { NHS_NUMBER_SYSTEM } from '../../../gateway/identity/nhs-number.js';

describe('name tables', () => {
  it('parses the FEBRL .tbl format: comments, tag lines, continuation lines', () => {
    const text = [
      '# a comment',
      'tag=<GF>  # Tag for female givennames',
      '',
      '       alexandra : alexa, alexia,',
      '                   sandra, sandy  # trailing comment',
      '           amber : ',
      'tag=<BO>',
      '         baby of : ',
    ].join('\n');
    expect(parseFebrlTable(text)).toEqual([
      { tag: '<GF>', canonical: 'alexandra', variants: ['alexa', 'alexia', 'sandra', 'sandy'] },
      { tag: '<GF>', canonical: 'amber', variants: [] },
      { tag: '<BO>', canonical: 'baby of', variants: [] },
    ]);
  });

  it('parses names.csv, skipping the header line', () => {
    expect(parseNicknameCsv('name1,relationship,name2\nwilliam,has_nickname,bill\nelizabeth,has_nickname,liz\n')).toEqual([
      { canonical: 'william', variant: 'bill' },
      { canonical: 'elizabeth', variant: 'liz' },
    ]);
  });

  it.each([
    ['alfie', ['alfie', 'alfred']],
    ['liz', ['elizabeth', 'lisa', 'liz', 'lizzie']],
    ['zoe', ['zoe']],
    ['notarealname', ['notarealname']],
  ])('givenRoots(%s) is the name and its canonical names, sorted', (name, roots) => {
    expect(givenRoots(name)).toEqual(roots);
  });

  it.each([
    ['bill', 'william', true],
    ['william', 'bill', true],
    ['liz', 'elizabeth', true],
    ['alfie', 'alfred', true],
    ['peggy', 'margaret', true],
    ['sandy', 'alexandra', true],
    ['john', 'jack', true],
    ['alexander', 'alexandra', false],
    ['john', 'mary', false],
    ['lily', 'lola', false],
    ['', 'william', false],
  ])('sameGivenRoot(%s, %s) is %s', (a, b, same) => {
    expect(sameGivenRoot(a, b)).toBe(same);
  });

  it('holds titles, placeholder phrases and surname prefixes from the tables', () => {
    for (const title of ['mr', 'mrs', 'miss', 'ms', 'dr', 'master', 'mx', 'rev']) expect(TITLES.has(title), title).toBe(true);
    for (const notTitle of ['gen', 'col', 'john']) expect(TITLES.has(notTitle), notTitle).toBe(false);
    const phrases = PLACEHOLDER_PHRASES.map((p) => p.join(' '));
    for (const phrase of ['baby of', 'baby', 'son of', 'daughter of', 'infant', 'unknown']) expect(phrases, phrase).toContain(phrase);
    expect(phrases).not.toContain('son');
    for (const prefix of ['de', 'la', 'van', 'von', 'di', 'le', 'mc', 'o']) expect(SURNAME_PREFIXES.has(prefix), prefix).toBe(true);
    expect(SURNAME_PREFIXES.has('mac')).toBe(false);
  });
});

describe('normaliseName', () => {
  it.each([
    ['Zoë', 'zoe'],
    ['  JOHN  ', 'john'],
    ['Séverine', 'severine'],
    ['Łucja', 'lucja'],
    ["D'Arcy", 'darcy'],
    ['Mr John', 'john'],
    ['Mrs. Jane', 'jane'],
    ['Miss Lily', 'lily'],
    ['Ms Ava', 'ava'],
    ['Dr Amir', 'amir'],
    ['Master Alfie', 'alfie'],
  ])('given %j -> %j', (given, expected) => {
    expect(normaliseName(given, 'Smith').given).toBe(expected);
  });

  it.each([
    ['Lily Nevaeh', 'lily', ['nevaeh']],
    ['Lily-Mae', 'lily', ['mae']],
    ['Mr John Paul George', 'john', ['paul', 'george']],
  ])('given %j -> first %j, middle %j', (given, first, middle) => {
    const name = normaliseName(given, 'Smith');
    expect(name.given).toBe(first);
    expect(name.middle).toEqual(middle);
  });

  it.each([
    ["O'Brien", 'obrien', ['obrien']],
    ['O’Brien', 'obrien', ['obrien']],
    ['O Brien', 'obrien', ['obrien']],
    ['OBrien', 'obrien', ['obrien']],
    ['McDonald', 'mcdonald', ['mcdonald']],
    ['Mc Donald', 'mcdonald', ['mcdonald']],
    ['MacDonald', 'mcdonald', ['mcdonald']],
    ['Mac Donald', 'mcdonald', ['mcdonald']],
    ['Mack', 'mack', ['mack']],
    ['Macey', 'macey', ['macey']],
    ['Machin', 'machin', ['machin']],
    ['MACDONALD', 'macdonald', ['macdonald']],
    ['Smith-Jones', 'smithjones', ['smith', 'jones']],
    ['Smith Jones', 'smithjones', ['smith', 'jones']],
    ['Smith – Jones', 'smithjones', ['smith', 'jones']],
    ['De La Cruz', 'delacruz', ['delacruz']],
    ['van der Berg', 'vanderberg', ['vanderberg']],
    ['Di Maria-Smith', 'dimariasmith', ['dimaria', 'smith']],
    ['Müller', 'muller', ['muller']],
    ['Smith Jnr', 'smith', ['smith']],
    ['Unknown', null, []],
    ['', null, []],
  ])('family %j -> %j, parts %j', (family, expected, parts) => {
    const name = normaliseName('Lily', family);
    expect(name.family).toBe(expected);
    expect(name.familyParts).toEqual(parts);
  });

  it.each(['Baby of Smith', 'Baby', 'BABY BOY', 'Infant', 'Unknown', 'Son of Smith', 'Daughter of Smith', 'Twin 1', 'Not Known', 'Mr Unknown'])(
    'given %j is a placeholder, not a given name',
    (given) => {
      const name = normaliseName(given, 'Smith');
      expect(name).toMatchObject({ given: null, middle: [], givenRoots: [], givenPhonetic: '', placeholder: true, family: 'smith' });
    },
  );

  it('keeps Son as a given name when it is not "son of" (a Vietnamese given name)', () => {
    expect(normaliseName('Son', 'Nguyen')).toMatchObject({ given: 'son', placeholder: false });
  });

  it('gives Double Metaphone primary codes and nickname roots', () => {
    expect(normaliseName('Bill', 'MacDonald')).toEqual({
      given: 'bill',
      middle: [],
      givenRoots: ['bill', 'robert', 'will', 'william', 'willis'],
      family: 'mcdonald',
      familyParts: ['mcdonald'],
      givenPhonetic: 'PL',
      familyPhonetic: 'MKTNLT',
      placeholder: false,
    });
    expect(normaliseName('Zoë', 'Smith').givenPhonetic).toBe('S');
    expect(normaliseName('Zoë', 'Smith').familyPhonetic).toBe('SM0');
  });

  it('gives an empty name when nothing is given', () => {
    expect(normaliseName()).toEqual({
      given: null,
      middle: [],
      givenRoots: [],
      family: null,
      familyParts: [],
      givenPhonetic: '',
      familyPhonetic: '',
      placeholder: false,
    });
  });

  it('shares frozen arrays between calls, so a caller cannot corrupt the memo', () => {
    const name = normaliseName('Lily Mae', 'Smith-Jones');
    expect(Object.isFrozen(name.middle)).toBe(true);
    expect(Object.isFrozen(name.familyParts)).toBe(true);
    expect(Object.isFrozen(name.givenRoots)).toBe(true);
  });
});

describe('normaliseDate', () => {
  it.each([
    ['2012-03-04', '2012-03-04'],
    ['20120304', '2012-03-04'],
    ['2012-03-04T10:30:00Z', '2012-03-04'],
    ['04/03/2012', '2012-03-04'],
    ['4/3/2012', '2012-03-04'],
    ['04-03-2012', '2012-03-04'],
    ['04.03.2012', '2012-03-04'],
    [' 29/02/2012 ', '2012-02-29'],
    ['2000-02-29', '2000-02-29'],
  ])('%j -> %s', (input, iso) => {
    const { date, problem } = normaliseDate(input);
    expect(problem).toBeUndefined();
    expect(date?.iso).toBe(iso);
  });

  it('keeps a date with day and month swapped as its own valid date', () => {
    expect(normaliseDate('03/04/2012').date).toEqual({ iso: '2012-04-03', year: 2012, month: 4, day: 3, estimated: false });
    expect(normaliseDate('04/03/2012').date).toEqual({ iso: '2012-03-04', year: 2012, month: 3, day: 4, estimated: false });
  });

  it.each([
    ['2012-13-01', PROBLEMS.dateMonth],
    ['12/31/2012', PROBLEMS.dateMonth],
    ['00/01/2012', PROBLEMS.dateDay],
    ['31/02/2012', PROBLEMS.dateDay],
    ['29/02/2013', PROBLEMS.dateDay],
    ['1900-02-29', PROBLEMS.dateDay],
    ['1879-12-31', PROBLEMS.dateTooEarly],
    ['04/03/12', PROBLEMS.dateFormat],
    ['4 March 2012', PROBLEMS.dateFormat],
    ['04/03-2012', PROBLEMS.dateFormat],
    ['2012-3-4', PROBLEMS.dateFormat],
  ])('refuses %j with a problem', (input, problem) => {
    expect(normaliseDate(input)).toEqual({ date: null, problem });
  });

  it('refuses a date after `today`, and accepts `today` itself', () => {
    expect(normaliseDate('2026-11-23', false, '2026-11-22')).toEqual({ date: null, problem: PROBLEMS.dateFuture });
    expect(normaliseDate('2026-11-22', false, '2026-11-22').date?.iso).toBe('2026-11-22');
    expect(normaliseDate('2099-01-02').date?.iso).toBe('2099-01-02');
  });

  it.each([
    ['2012-03-04', false, false],
    ['2012-03-04', true, true],
    ['01/01/2012', false, true],
    ['2012-01-02', false, false],
  ])('%j estimated flag %s -> estimated %s', (input, flag, estimated) => {
    expect(normaliseDate(input, flag).date?.estimated).toBe(estimated);
  });

  it.each([undefined, '', '   '])('gives no date and no problem for %j', (input) => {
    expect(normaliseDate(input)).toEqual({ date: null });
  });
});

describe('normalisePostcode', () => {
  it.each([
    ['m1 1aa', 'M1 1AA', 'M1 1', 'M1', 'M'],
    ['M60 1NW', 'M60 1NW', 'M60 1', 'M60', 'M'],
    ['cr26xh', 'CR2 6XH', 'CR2 6', 'CR2', 'CR'],
    ['DN55 1PT', 'DN55 1PT', 'DN55 1', 'DN55', 'DN'],
    ['w1a 1hq', 'W1A 1HQ', 'W1A 1', 'W1A', 'W'],
    ['EC1A1BB', 'EC1A 1BB', 'EC1A 1', 'EC1A', 'EC'],
    ['ls14ab', 'LS1 4AB', 'LS1 4', 'LS1', 'LS'],
    ['LS1  4AB', 'LS1 4AB', 'LS1 4', 'LS1', 'LS'],
    [' ls1 4ab ', 'LS1 4AB', 'LS1 4', 'LS1', 'LS'],
  ])('%j -> %s (sector %s, district %s, area %s)', (input, full, sector, district, area) => {
    expect(normalisePostcode(input)).toEqual({ full, sector, district, area });
  });

  it.each([
    [' 4510 ', '4510'],
    ['SW1A 1AAA', 'SW1A 1AAA'],
    ['90210-1234', '90210-1234'],
  ])('keeps a non-UK code %j as given, trimmed, without parts', (input, full) => {
    expect(normalisePostcode(input)).toEqual({ full, sector: null, district: null, area: null });
  });

  it.each([undefined, '', '  '])('gives null for %j', (input) => {
    expect(normalisePostcode(input)).toBeNull();
  });
});

describe('normaliseAddress', () => {
  it.each([
    ['12 High St', '12 high street', '12'],
    ['12a Station Rd.', '12a station road', '12a'],
    ['Flat 3, 12 Park Ave', 'flat 3 12 park avenue', 'flat 3'],
    ['Apt 4 Kings Ct', 'flat 4 kings court', 'flat 4'],
    ['7 Elm Cl', '7 elm close', '7'],
    ['9 Moor Cres', '9 moor crescent', '9'],
    ['1 Oak Dr', '1 oak drive', '1'],
    ['2 Mill Ln', '2 mill lane', '2'],
    ['3 Queens Pl', '3 queens place', '3'],
    ['4 Market Sq', '4 market square', '4'],
    ['5 Rose Gdns', '5 rose gardens', '5'],
    ['6 Hill Tce', '6 hill terrace', '6'],
    ['8 Ash Gr', '8 ash grove', '8'],
    ['10 Ash Grv', '10 ash grove', '10'],
    ['11 Lee Pk', '11 lee park', '11'],
    ['13 Ridge Wy', '13 ridge way', '13'],
    ['Rose Hse, Church Lane', 'rose house church lane', null],
    ["12 St Mary's Road", '12 saint marys road', '12'],
    ['St Johns Gdns', 'saint johns gardens', null],
    ['  12,  HIGH   STREET ', '12 high street', '12'],
    ['Château Row', 'chateau row', null],
  ])('%j -> %j, house number %j', (line, address, houseNumber) => {
    expect(normaliseAddress(line)).toEqual({ address, houseNumber });
  });

  it.each([undefined, '', ' , '])('gives nulls for %j', (line) => {
    expect(normaliseAddress(line)).toEqual({ address: null, houseNumber: null });
  });

  it('normalises a city the same way without expanding abbreviations', () => {
    expect(normaliseCity(' Newcastle-upon-Tyne ')).toBe('newcastle upon tyne');
    expect(normaliseCity('')).toBeNull();
  });
});

describe('normalisePhone, normaliseEmail, normaliseSex', () => {
  it.each([
    ['+44 7700 900123', '07700900123'],
    ['+44 (0)7700 900123', '07700900123'],
    ['0044 7700 900123', '07700900123'],
    ['447700900123', '07700900123'],
    ['07700 900123', '07700900123'],
    ['(0113) 496-0000', '01134960000'],
    ['0113 496 0000 ext. 123', '01134960000'],
    ['+1 555 123 4567', '0015551234567'],
  ])('phone %j -> %s', (input, phone) => {
    expect(normalisePhone(input)).toEqual({ phone });
  });

  it.each(['123', '7700900123', 'not a number'])('refuses phone %j with a problem', (input) => {
    expect(normalisePhone(input)).toEqual({ phone: null, problem: PROBLEMS.phone });
  });

  it.each([
    ['  Lily.Smith@Example.ORG ', 'lily.smith@example.org'],
    ['mailto:a@b.uk', 'a@b.uk'],
  ])('email %j -> %s', (input, email) => {
    expect(normaliseEmail(input)).toEqual({ email });
  });

  it.each(['lily.smith.example.org', '@example.org', 'lily@'])('refuses email %j with a problem', (input) => {
    expect(normaliseEmail(input)).toEqual({ email: null, problem: PROBLEMS.email });
  });

  it('gives no email and no problem when there is none', () => {
    expect(normaliseEmail(undefined)).toEqual({ email: null });
  });

  it.each([
    ['male', 'm'],
    ['M', 'm'],
    ['1', 'm'],
    ['Female', 'f'],
    ['f', 'f'],
    ['2', 'f'],
    ['9', null],
    ['unknown', null],
    ['', null],
    [undefined, null],
  ])('sex %j -> %s', (input, sex) => {
    expect(normaliseSex(input)).toBe(sex);
  });
});

describe('normaliseIdentifier', () => {
  it.each([
    ['9434765919', '9434765919'],
    ['943 476 5919', '9434765919'],
    ['943-476-5919', '9434765919'],
  ])('keeps a valid NHS number %j as %s', (value, expected) => {
    expect(normaliseIdentifier(NHS_NUMBER_SYSTEM, value)).toEqual({ system: NHS_NUMBER_SYSTEM, value: expected });
  });

  it.each(['9434765918', '943476591', 'abcdefghij'])('reports an NHS number %j that fails Modulus 11, without its value', (value) => {
    const result = normaliseIdentifier(NHS_NUMBER_SYSTEM, value);
    expect(result).toEqual({ problem: 'An NHS number on the record fails the Modulus 11 check: it is not used for matching.' });
  });

  it('reports a placeholder NHS number (one digit repeated) although it passes Modulus 11', () => {
    expect(normaliseIdentifier(NHS_NUMBER_SYSTEM, '0000000000')).toEqual({ problem: PROBLEMS.nhsNumberPlaceholder });
  });

  it.each([
    ['B801200005001', 'B801200005001'],
    ['b801 2000 05001', 'B801200005001'],
    ['M80120000500A', 'M80120000500A'],
  ])('keeps a valid UPN %j as %s', (value, expected) => {
    expect(normaliseIdentifier(UPN_SYSTEM, value)).toEqual({ system: UPN_SYSTEM, value: expected });
  });

  it.each([
    ['A801200005001', PROBLEMS.upnCheckLetter],
    ['B80120000500', PROBLEMS.upnForm],
    ['I801200005001', PROBLEMS.upnForm],
    ['B8012000050O1', PROBLEMS.upnForm],
    ['UN1', PROBLEMS.upnForm],
  ])('refuses UPN %j', (value, problem) => {
    expect(normaliseIdentifier(UPN_SYSTEM, value)).toEqual({ problem });
  });

  it('computes the DfE check letter (weights 2..13, mod 23, letters without I, O, S)', () => {
    expect(upnCheckLetter('801200005001')).toBe('B');
    expect(upnCheckLetter('80120000500A')).toBe('M');
  });

  it('trims, upper-cases and removes spaces for other systems', () => {
    expect(normaliseIdentifier('urn:police:pnc', ' 12/3456 7a ')).toEqual({ system: 'urn:police:pnc', value: '12/34567A' });
    expect(normaliseIdentifier('urn:police:pnc', '  ')).toEqual({ problem: PROBLEMS.identifierEmpty });
  });
});

describe('normalisePerson', () => {
  it('combines every field and collects problems without values', () => {
    const person = normalisePerson(
      {
        id: 'p1',
        source: 'health',
        given: 'Miss Zoë Ann',
        family: "O'Brien-Smith",
        otherNames: [{ given: 'Zoe', family: 'MacDonald' }, {}],
        birthDate: '01/01/2015',
        sex: '2',
        postcode: 'ls14ab',
        addressLine: '12a High St',
        city: 'Leeds',
        uprn: ' 0072632846 ',
        email: 'zoe@example.org',
        phone: '+44 7700 900123',
        identifiers: [
          { system: NHS_NUMBER_SYSTEM, value: '943 476 5919' },
          { system: NHS_NUMBER_SYSTEM, value: '9434765918' },
          { system: UPN_SYSTEM, value: 'A801200005001' },
        ],
      },
      { today: '2026-11-22' },
    );
    expect(person).toEqual({
      id: 'p1',
      source: 'health',
      names: [
        {
          given: 'zoe',
          middle: ['ann'],
          givenRoots: ['zoe'],
          family: 'obriensmith',
          familyParts: ['obrien', 'smith'],
          givenPhonetic: 'S',
          familyPhonetic: 'APRNSM0',
          placeholder: false,
        },
        {
          given: 'zoe',
          middle: [],
          givenRoots: ['zoe'],
          family: 'mcdonald',
          familyParts: ['mcdonald'],
          givenPhonetic: 'S',
          familyPhonetic: 'MKTNLT',
          placeholder: false,
        },
      ],
      birth: { iso: '2015-01-01', year: 2015, month: 1, day: 1, estimated: true },
      sex: 'f',
      postcode: { full: 'LS1 4AB', sector: 'LS1 4', district: 'LS1', area: 'LS' },
      address: '12a high street',
      houseNumber: '12a',
      city: 'leeds',
      uprn: '72632846',
      email: 'zoe@example.org',
      phone: '07700900123',
      identifiers: new Map([[NHS_NUMBER_SYSTEM, '9434765919']]),
      problems: [PROBLEMS.nhsNumberInvalid, PROBLEMS.upnCheckLetter],
    });
  });

  it('reports unusable fields and never puts a record value in a problem', () => {
    const person = normalisePerson(
      { id: 'p2', given: 'Baby of Smith', family: 'Smith', birthDate: '2031-02-03', uprn: 'UPRN-1', email: 'smith', phone: '12', identifiers: [{ system: NHS_NUMBER_SYSTEM, value: '9434765918' }] },
      { today: '2026-11-22' },
    );
    expect(person.names[0]?.placeholder).toBe(true);
    expect(person.birth).toBeNull();
    expect(person.identifiers.size).toBe(0);
    expect(person.problems).toEqual([PROBLEMS.dateFuture, PROBLEMS.uprn, PROBLEMS.email, PROBLEMS.phone, PROBLEMS.nhsNumberInvalid]);
    for (const problem of person.problems) expect(problem).not.toMatch(/smith|9434765918|2031|UPRN-1/i);
  });

  it('gives nulls and no problems for a record with only an id', () => {
    const person = normalisePerson({ id: 'p3' });
    expect(person).toEqual({
      id: 'p3',
      source: null,
      names: [normaliseName()],
      birth: null,
      sex: null,
      postcode: null,
      address: null,
      houseNumber: null,
      city: null,
      uprn: null,
      email: null,
      phone: null,
      identifiers: new Map(),
      problems: [],
    });
  });

  it('keeps the first of two different values for one identifier system and says so', () => {
    const person = normalisePerson({
      id: 'p4',
      identifiers: [
        { system: NHS_NUMBER_SYSTEM, value: '9434765919' },
        { system: NHS_NUMBER_SYSTEM, value: '4010232137' },
      ],
    });
    expect(person.identifiers.get(NHS_NUMBER_SYSTEM)).toBe('9434765919');
    expect(person.problems).toEqual([PROBLEMS.identifierRepeated]);
  });
});
