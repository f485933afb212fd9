import { describe, expect, it } from 'vitest';
import { checkAddressQuery, ConnectorError, MAX_ADDRESS_TEXT, type AddressQuery, type AddressQueryRules } from '../../connectors/sdk/index.js';

/** How the SQL-backed connectors compare a first line and a postcode. */
const keys: AddressQueryRules['keys'] = {
  line1: (value) => value.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim(),
  postalCode: (value) => value.replace(/\s+/g, '').toUpperCase(),
};

function refusal(query: AddressQuery, rules: AddressQueryRules): ConnectorError {
  try {
    checkAddressQuery(query, rules);
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError);
    return error as ConnectorError;
  }
  throw new Error(`checkAddressQuery accepted ${JSON.stringify(query)}`);
}

describe('checkAddressQuery: the address-query check every connector runs before its system', () => {
  const needs = 'health address search needs a UPRN, or a first line with a postcode';
  it.each<[string, AddressQuery, AddressQueryRules, string]>([
    ['an empty query', {}, { label: 'health' }, needs],
    ['blank values', { uprn: ' ', line1: '', postalCode: '  ' }, { label: 'health' }, needs],
    ['a first line without a postcode', { line1: '1 High Street' }, { label: 'health' }, needs],
    ['a postcode without a first line', { postalCode: 'MB1 1AA' }, { label: 'health' }, needs],
    ['a first line with nothing the agency compares', { line1: '---', postalCode: 'MB1 1AA' }, { label: 'health', keys }, needs],
    ['a UPRN with letters', { uprn: '10000000000A' }, { label: 'health' }, 'health address search: a UPRN is up to 12 digits'],
    ['a UPRN of 13 digits', { uprn: '1000000000001' }, { label: 'health' }, 'health address search: a UPRN is up to 12 digits'],
    ['a bad UPRN even with a good line', { uprn: 'x', line1: '1 High Street', postalCode: 'MB1 1AA' }, { label: 'health' }, 'health address search: a UPRN is up to 12 digits'],
    ['a first line longer than the default', { line1: 'x'.repeat(MAX_ADDRESS_TEXT + 1), postalCode: 'MB1 1AA' }, { label: 'health' }, 'health address search: the address is too long'],
    ['a first line longer than the system takes', { line1: 'x'.repeat(101), postalCode: 'MB1 1AA' }, { label: 'health', maxLine1: 100 }, 'health address search: the address is too long'],
    ['a postcode longer than the system takes', { uprn: '100000000001', line1: '1 High Street', postalCode: 'M'.repeat(17) }, { label: 'health', maxPostalCode: 16 }, 'health address search: the address is too long'],
  ])('refuses %s as the caller’s bad value (BAD_QUERY, rejectedInput)', (_what, query, rules, message) => {
    const error = refusal(query, rules);
    expect(error).toMatchObject({ kind: 'BAD_QUERY', rejectedInput: true, message });
  });

  it('names the searching agency in the message', () => {
    expect(refusal({}, { label: 'social care' }).message).toBe('social care address search needs a UPRN, or a first line with a postcode');
  });

  it('answers a UPRN, a first line with a postcode, or both, trimmed', () => {
    expect(checkAddressQuery({ uprn: ' 100000000001 ' }, { label: 'police' })).toEqual({ uprn: '100000000001' });
    expect(checkAddressQuery({ line1: ' 1 High Street ', postalCode: ' MB1 1AA ' }, { label: 'police' })).toEqual({ line: { line1: '1 High Street', postalCode: 'MB1 1AA' } });
    expect(checkAddressQuery({ uprn: '7', line1: '1 High Street', postalCode: 'MB1 1AA' }, { label: 'police' })).toEqual({ uprn: '7', line: { line1: '1 High Street', postalCode: 'MB1 1AA' } });
    // A UPRN alone is enough: a line without its postcode is left out rather than refused.
    expect(checkAddressQuery({ uprn: '7', line1: '1 High Street' }, { label: 'police' })).toEqual({ uprn: '7' });
  });

  it('gives the line as the agency compares it when the rules say how', () => {
    expect(checkAddressQuery({ line1: '1, High Street', postalCode: 'mb1 1aa' }, { label: 'housing', keys })).toEqual({ line: { line1: '1 high street', postalCode: 'MB11AA' } });
    // With a UPRN, a line that keys to nothing is left out and the UPRN searched alone.
    expect(checkAddressQuery({ uprn: '7', line1: '!!', postalCode: 'MB1 1AA' }, { label: 'housing', keys })).toEqual({ uprn: '7' });
  });
});
