import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCounty } from '../../sandbox/county/index.js';
import { startHealthServer, type HealthServer } from '../../sandbox/health/index.js';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const county = generateCounty({ seed: 1, households: 200 });
const child = county.featured.child;
const childPatientId = county.views.health.patientIdByPersonId.get(child.id)!;
const parentPatientId = county.views.health.patientIdByPersonId.get(county.featured.parent.id)!;

let server: HealthServer;

type Json = any;

async function get(path: string): Promise<{ status: number; type: string | null; body: Json }> {
  const response = await fetch(`${server.baseUrl}${path}`);
  return { status: response.status, type: response.headers.get('content-type'), body: await response.json() };
}

beforeAll(async () => {
  server = await startHealthServer({ county });
});
afterAll(async () => {
  await server.close();
});

describe('health FHIR server', () => {
  it('listens on loopback with a base URL ending in /fhir', () => {
    expect(server.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fhir$/);
  });

  it('serves an R4 CapabilityStatement as application/fhir+json', async () => {
    const { status, type, body } = await get('/metadata');
    expect(status).toBe(200);
    expect(type).toMatch(/^application\/fhir\+json/);
    expect(body).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', kind: 'instance' });
    expect(body.rest[0].resource.map((r: Json) => r.type)).toEqual(['Patient', 'RelatedPerson', 'Encounter', 'Flag', 'EpisodeOfCare', 'Appointment']);
  });

  it('finds a patient by NHS number identifier as a searchset Bundle', async () => {
    const { body } = await get(`/Patient?identifier=${encodeURIComponent(`${NHS}|${child.nhsNumber}`)}`);
    expect(body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
    const patient = body.entry[0].resource;
    expect(patient.id).toBe(childPatientId);
    expect(patient.identifier).toContainEqual(expect.objectContaining({ system: NHS, value: child.nhsNumber }));
    expect(patient.name[0]).toMatchObject({ use: 'official', family: child.family, given: child.given });
    expect(patient.address[0].extension[0].extension).toContainEqual({ url: 'value', valueString: expect.stringMatching(/^\d{12}$/) });
    expect(patient.generalPractitioner[0].reference).toBe('#gp');
    expect(patient.contained[0]).toMatchObject({ resourceType: 'Organization', telecom: [expect.objectContaining({ system: 'phone' })] });
    expect(body.entry[0].fullUrl).toBe(`${server.baseUrl}/Patient/${childPatientId}`);
  });

  it('matches family and given names by case-insensitive prefix, and birth dates exactly', async () => {
    const family = child.family.slice(0, 3).toUpperCase();
    const given = (child.given[0] as string).toLowerCase();
    const { body } = await get(`/Patient?family=${family}&given=${given}&birthdate=${child.birthDate}`);
    expect(body.entry.map((e: Json) => e.resource.id)).toContain(childPatientId);
    const wrongDate = await get(`/Patient?family=${family}&given=${given}&birthdate=1901-01-01`);
    expect(wrongDate.body.total).toBe(0);
  });

  it('reads a patient by id and answers 404 for an unknown one', async () => {
    expect((await get(`/Patient/${childPatientId}`)).body.id).toBe(childPatientId);
    const missing = await get('/Patient/no-such-patient');
    expect(missing.status).toBe(404);
    expect(missing.body.resourceType).toBe('OperationOutcome');
  });

  it('treats comma-separated subjects as OR', async () => {
    const one = await get(`/Encounter?subject=Patient/${childPatientId}`);
    const both = await get(`/Encounter?subject=Patient/${childPatientId},Patient/${parentPatientId}&_count=100`);
    expect(both.body.total).toBeGreaterThan(one.body.total);
    const subjects = new Set(both.body.entry.map((e: Json) => e.resource.subject.reference));
    expect(subjects).toEqual(new Set([`Patient/${childPatientId}`, `Patient/${parentPatientId}`]));
  });

  it('pages with _count and a next link until the results run out', async () => {
    const first = await get(`/Encounter?subject=Patient/${childPatientId}&_count=2`);
    expect(first.body.entry).toHaveLength(2);
    const next = first.body.link.find((l: Json) => l.relation === 'next').url as string;
    expect(next.startsWith(server.baseUrl)).toBe(true);
    const second = (await (await fetch(next)).json()) as Json;
    expect(second.entry.length).toBe(first.body.total - 2);
    expect(second.link.find((l: Json) => l.relation === 'next')).toBeUndefined();
  });

  it('searches by POSTed form for long subject lists', async () => {
    const ids = county.views.health.patients.slice(0, 150).map((p) => `Patient/${p.id}`);
    const response = await fetch(`${server.baseUrl}/Encounter/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ subject: ids.join(','), _count: '20' }).toString(),
    });
    const body = (await response.json()) as Json;
    expect(response.status).toBe(200);
    const expected = county.views.health.encounters.filter((e) => ids.includes(`Patient/${e.patientId}`)).length;
    expect(body.total).toBe(expected);
    expect(body.link.find((l: Json) => l.relation === 'next').url).toContain('_getpages=');
  });

  it('serves CP-IS flags, episodes of care and was-not-brought appointments', async () => {
    const flags = await get(`/Flag?subject=Patient/${childPatientId}`);
    expect(flags.body.entry[0].resource.category[0].coding[0]).toMatchObject({ code: 'CP-IS' });
    const episodes = await get(`/EpisodeOfCare?patient=${childPatientId}`);
    expect(episodes.body.total).toBe(2);
    const missed = await get(`/Appointment?patient=Patient/${childPatientId}&status=noshow`);
    expect(missed.body.entry.every((e: Json) => e.resource.status === 'noshow')).toBe(true);
  });

  it('labels sexual health encounters restricted', async () => {
    const { body } = await get(`/Encounter?subject=Patient/${childPatientId}`);
    const sexualHealth = body.entry.map((e: Json) => e.resource).find((r: Json) => r.class.code === 'AMB');
    expect(sexualHealth.meta.security[0]).toMatchObject({ code: 'R' });
  });

  it.each([
    ['an unknown search parameter', '/Patient?shoe-size=9'],
    ['an unknown resource type', '/Observation?patient=x'],
    ['an unsupported modifier', '/Patient?birthdate:missing=true'],
    ['an invalid date', '/Patient?family=Smith&birthdate=31-12-2010'],
    ['a patient search with no criteria', '/Patient'],
    ['an Encounter search without a patient', '/Encounter?status=finished'],
  ])('refuses %s with 400 and an OperationOutcome', async (_label, path) => {
    const { status, body } = await get(path);
    expect(status).toBe(400);
    expect(body.resourceType).toBe('OperationOutcome');
  });

  it.each([
    ['a RelatedPerson search with no patient, _id or identifier', '/RelatedPerson'],
    ['an unknown RelatedPerson search parameter', '/RelatedPerson?relationship=MTH'],
    ['a malformed RelatedPerson patient reference', '/RelatedPerson?patient=Encounter/x/y'],
    ['an address-uprn that is not a UPRN', '/Patient?address-uprn=10001234567A'],
    ['a modifier on address-uprn', '/Patient?address-uprn:contains=1000'],
    ['an empty address', '/Patient?address='],
  ])('refuses %s with 400 and an OperationOutcome', async (_label, path) => {
    const { status, body } = await get(path);
    expect(status).toBe(400);
    expect(body).toMatchObject({ resourceType: 'OperationOutcome', issue: [expect.objectContaining({ severity: 'error', diagnostics: expect.any(String) })] });
  });

  it('records the requests it receives', async () => {
    server.clearRequests();
    await get(`/Flag?subject=Patient/${childPatientId}`);
    expect(server.requests()).toEqual([
      { method: 'GET', path: '/fhir/Flag', resourceType: 'Flag', params: [['subject', `Patient/${childPatientId}`]] },
    ]);
  });
});

describe('health FHIR server: RelatedPerson and address search', () => {
  const view = county.views.health;
  const home = county.addressesById.get(county.householdsById.get(child.householdId)!.addressId)!;
  const featuredPatients = [child, county.featured.parent, county.featured.partner, county.featured.sibling].map((p) => view.patientIdByPersonId.get(p.id)!);

  it('serves the RelatedPersons on a patient’s record with HL7 v3 RoleCode relationships and the related person’s NHS number', async () => {
    const { status, body } = await get(`/RelatedPerson?patient=Patient/${childPatientId}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 3 });
    const codes = body.entry.map((e: Json) => e.resource.relationship[0].coding[0]);
    expect(codes.every((c: Json) => c.system === 'http://terminology.hl7.org/CodeSystem/v3-RoleCode')).toBe(true);
    expect(codes.map((c: Json) => c.code).sort()).toEqual(['HSIB', 'MTH', county.featured.partner.sex === 'male' ? 'STPFTH' : 'STPMTH'].sort());
    const mother = body.entry.map((e: Json) => e.resource).find((r: Json) => r.relationship[0].coding[0].code === 'MTH');
    expect(mother).toMatchObject({ patient: { reference: `Patient/${childPatientId}` }, identifier: [{ system: NHS, value: county.featured.parent.nhsNumber }], name: [{ family: county.featured.parent.family }], birthDate: county.featured.parent.birthDate });
    expect(mother.address[0].extension[0].extension).toContainEqual({ url: 'value', valueString: home.uprn });
    expect((await get(`/RelatedPerson/${mother.id}`)).body.id).toBe(mother.id);
    expect((await get('/RelatedPerson/no-such-related-person')).status).toBe(404);
  });

  it('derives RelatedPersons from the county truth: parents, step-parents, siblings, partners, children', () => {
    for (const rp of view.relatedPersons.slice(0, 300)) {
      const person = county.personsById.get(view.truth.get(rp.patientId)!)!;
      const other = county.personsById.get(rp.personId)!;
      expect(other.householdId).toBe(person.householdId);
      if (['MTH', 'FTH'].includes(rp.code)) expect(person.parentIds).toContain(other.id);
      if (['DAUC', 'SONC'].includes(rp.code)) expect(person.childIds).toContain(other.id);
      if (rp.code === 'SIB') expect(other.parentIds.slice().sort()).toEqual(person.parentIds.slice().sort());
    }
    const withoutNhs = view.relatedPersons.filter((r) => r.nhsNumber === undefined).length;
    expect(withoutNhs / view.relatedPersons.length).toBeGreaterThan(0.1);
    expect(withoutNhs / view.relatedPersons.length).toBeLessThan(0.3);
  });

  it('finds RelatedPersons by identifier and by _id, and pages them with _count and next links', async () => {
    const byNhs = await get(`/RelatedPerson?identifier=${encodeURIComponent(`${NHS}|${county.featured.parent.nhsNumber}`)}`);
    expect(byNhs.body.entry.every((e: Json) => e.resource.identifier[0].value === county.featured.parent.nhsNumber)).toBe(true);
    expect(byNhs.body.total).toBeGreaterThan(0);
    const many = view.patients.slice(0, 40).map((p) => `Patient/${p.id}`).join(',');
    const first = await get(`/RelatedPerson?patient=${many}&_count=5`);
    const total = view.relatedPersons.filter((r) => view.patients.slice(0, 40).some((p) => p.id === r.patientId)).length;
    expect(first.body.total).toBe(total);
    expect(first.body.entry).toHaveLength(5);
    const seen: string[] = first.body.entry.map((e: Json) => e.resource.id);
    let next = first.body.link.find((l: Json) => l.relation === 'next')?.url as string | undefined;
    while (next) {
      const page = (await (await fetch(next)).json()) as Json;
      seen.push(...page.entry.map((e: Json) => e.resource.id));
      next = page.link.find((l: Json) => l.relation === 'next')?.url;
    }
    expect(new Set(seen).size).toBe(total);
    const byId = await get(`/RelatedPerson?_id=${seen.slice(0, 3).join(',')}`);
    expect(byId.body.entry.map((e: Json) => e.resource.id).sort()).toEqual(seen.slice(0, 3).sort());
  });

  it('finds patients by address UPRN, and by postcode with a first line (case-insensitive, starts-with)', async () => {
    const byUprn = await get(`/Patient?address-uprn=${home.uprn}`);
    expect(byUprn.body.entry.map((e: Json) => e.resource.id)).toEqual(expect.arrayContaining(featuredPatients));
    const byLine = await get(`/Patient?address-postalcode=${encodeURIComponent(home.postcode)}&address=${encodeURIComponent(home.line1.toLowerCase())}`);
    expect(byLine.body.entry.map((e: Json) => e.resource.id)).toEqual(expect.arrayContaining(featuredPatients));
    const elsewhere = await get(`/Patient?address-postalcode=${encodeURIComponent(home.postcode)}&address=zzz-no-such-street`);
    expect(elsewhere.body.total).toBe(0);
    const metadata = await get('/metadata');
    const patient = metadata.body.rest[0].resource.find((r: Json) => r.type === 'Patient');
    expect(patient.searchParam).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'address', type: 'string' }), expect.objectContaining({ name: 'address-uprn', type: 'token' })]));
  });
});

describe('health FHIR server faults', () => {
  it('answers 500 with an OperationOutcome at errorRate 1, and recovers when cleared', async () => {
    server.setFaults({ errorRate: 1 });
    const failed = await get('/metadata');
    expect(failed.status).toBe(500);
    expect(failed.body.resourceType).toBe('OperationOutcome');
    server.setFaults({});
    expect((await get('/metadata')).status).toBe(200);
  });

  it('adds latency', async () => {
    server.setFaults({ latencyMs: 150 });
    const started = Date.now();
    await get('/metadata');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    server.setFaults({});
  });

  it('sends invalid JSON or a wrong-shaped Bundle when malformed', async () => {
    server.setFaults({ malformed: true });
    const text = await (await fetch(`${server.baseUrl}/metadata`)).text();
    expect(() => JSON.parse(text)).toThrow();
    server.setFaults({ malformed: 'wrong-shape' });
    const body = (await (await fetch(`${server.baseUrl}/metadata`)).json()) as Json;
    expect(body.total).toBe('many');
    server.setFaults({});
  });

  it('rejects impossible fault settings', () => {
    expect(() => server.setFaults({ errorRate: 2 })).toThrow(RangeError);
    expect(() => server.setFaults({ latencyMs: -1 })).toThrow(RangeError);
  });

  it('closes promptly while requests hang', async () => {
    const hanging = await startHealthServer({ county, faults: { hang: true } });
    const pending = fetch(`${hanging.baseUrl}/metadata`).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await hanging.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
  });

  it('closes promptly while a delayed answer is pending', async () => {
    const slow = await startHealthServer({ county, faults: { latencyMs: 60_000 } });
    const pending = fetch(`${slow.baseUrl}/metadata`).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await slow.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await pending;
  });
});
