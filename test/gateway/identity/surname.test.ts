import { describe, expect, it } from 'vitest';
import { sharesFamilyName } from '../../../gateway/identity/surname.js';

describe('does the actor share a family name with the people?', () => {
  it.each([
    ['Sam Knight', [{ id: 'a', family: 'Knight' }], true],
    ['Sam Knight', [{ id: 'a', family: 'KNIGHT' }], true],
    ["Sam O'Brien", [{ id: 'a', family: 'OBrien' }], true],
    ['Sam Knight', [{ id: 'a', family: 'Smith-Knight' }], true], // a part of a double-barrelled name
    ['Sam Smith-Knight', [{ id: 'a', family: 'Knight' }], true],
    ['Sam Knight', [{ id: 'a', family: 'Brown', otherNames: [{ family: 'Knight' }] }], true], // a former name
    ['Sam Knight', [{ id: 'a', family: 'Knighton' }], false],
    ['Sam Knight', [{ id: 'a', given: 'Knight' }], false], // a given name is not a family name
    ['Knight', [{ id: 'a', family: 'Knight' }], false], // one word: no family name to compare
    [undefined, [{ id: 'a', family: 'Knight' }], false],
    ['Riley Researcher', [{ id: 'a', family: 'Knight' }, { id: 'b' }], false],
  ])('%s ~ %j: %s', (actor, people, expected) => {
    expect(sharesFamilyName(actor, people)).toBe(expected);
  });
});
