import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readEvents } from '../../gateway/audit/index.js';
import { tamper } from '../gateway/audit/fixtures.js';
import { enquiryInput, LINK, OPEN_ENQUIRY, PROFILE, SEARCH, startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * Information governance's own work over the API: signing anomalies off, verifying the audit log
 * and an inclusion proof, and exporting a subject access report as a PDF. Each is for IG officers
 * only, and each use and each refusal is an audit event.
 */
describe('information governance: anomaly sign-off, log verification, subject access PDF', () => {
  let t: TestGateway;
  let researcher: string;
  let duty: string;
  let ig: string;
  let nhsNumber: string;
  const started = new Date(Date.now() - 60_000).toISOString();
  const until = () => new Date(Date.now() + 60_000).toISOString();

  beforeAll(async () => {
    t = await startTestGateway();
    researcher = await t.token();
    duty = await t.token({ sub: 'edt-1', name: 'Eden Duty', roles: ['out-of-hours'] });
    ig = await t.token({ sub: 'ig-1', name: 'Ira Governance', agency: 'local-authority', roles: ['ig-officer'] });
    nhsNumber = t.gateway.sandbox!.county.featured.child.nhsNumber;
    // A researcher reads the featured child's profile; an out-of-hours practitioner opens a break-glass enquiry.
    const enquiryId = (await t.graphql(OPEN_ENQUIRY, { input: enquiryInput() }, researcher)).body.data.openEnquiry.id;
    const search = await t.graphql(SEARCH, { enquiryId, query: { nhsNumber } }, researcher);
    const personId = search.body.data.searchPeople.agencies.find((a: any) => a.agency === 'health').people[0].personId;
    const subjectId = (await t.graphql(LINK, { input: { enquiryId, agency: 'health', personId } }, researcher)).body.data.linkSubject.id;
    expect((await t.graphql(PROFILE, { enquiryId, subjectId }, researcher)).body.errors).toBeUndefined();
    const opened = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ purpose: 'emergency', justification: 'Child found alone at 02:00; police at the address now.' }) }, duty);
    expect(opened.body.errors).toBeUndefined();
  });
  afterAll(async () => t?.close());

  const ANOMALIES = `query($from: DateTime!, $to: DateTime!) { auditAnomalies(from: $from, to: $to) { kind actorId actorIssuer eventIds review { id outcome note reviewedBy reviewedByIssuer } } }`;
  const REVIEW = `mutation($input: ReviewAnomalyInput!) { reviewAnomaly(input: $input) { id kind actorId actorIssuer eventIds outcome note reviewedAt reviewedBy reviewedByIssuer reviewedByName } }`;

  it('records an IG sign-off of a break-glass anomaly, shown with the anomaly from then on; a later review supersedes it', async () => {
    const before = await t.graphql(ANOMALIES, { from: started, to: until() }, ig);
    expect(before.body.errors).toBeUndefined();
    const breakGlass = before.body.data.auditAnomalies.find((a: any) => a.kind === 'break-glass' && a.actorId === 'edt-1');
    expect(breakGlass).toMatchObject({ actorIssuer: expect.any(String), review: null });
    const { review: _none, ...anomaly } = breakGlass;

    const first = await t.graphql(REVIEW, { input: { ...anomaly, outcome: 'REVIEWED_NO_ACTION', note: 'Justification checked with the duty manager.' } }, ig);
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data.reviewAnomaly).toMatchObject({ kind: 'break-glass', actorId: 'edt-1', eventIds: anomaly.eventIds, outcome: 'REVIEWED_NO_ACTION', reviewedBy: 'ig-1', reviewedByName: 'Ira Governance' });
    const shown = await t.graphql(ANOMALIES, { from: started, to: until() }, ig);
    const reviewed = shown.body.data.auditAnomalies.find((a: any) => a.kind === 'break-glass' && a.actorId === 'edt-1');
    expect(reviewed.review).toMatchObject({ id: first.body.data.reviewAnomaly.id, outcome: 'REVIEWED_NO_ACTION', note: 'Justification checked with the duty manager.', reviewedBy: 'ig-1' });
    // Other anomalies stay unreviewed.
    expect(shown.body.data.auditAnomalies.filter((a: any) => a !== reviewed).every((a: any) => a.review === null)).toBe(true);

    const second = await t.graphql(REVIEW, { input: { ...anomaly, outcome: 'ACTION_TAKEN', note: 'Raised with the practitioner’s manager.' } }, ig);
    expect(second.body.errors).toBeUndefined();
    const again = await t.graphql(ANOMALIES, { from: started, to: until() }, ig);
    expect(again.body.data.auditAnomalies.find((a: any) => a.kind === 'break-glass' && a.actorId === 'edt-1').review).toMatchObject({ id: second.body.data.reviewAnomaly.id, outcome: 'ACTION_TAKEN' });
    const list = await t.graphql('{ anomalyReviews { id outcome kind } }', {}, ig);
    expect(list.body.data.anomalyReviews.map((r: any) => r.id)).toEqual([second.body.data.reviewAnomaly.id, first.body.data.reviewAnomaly.id]);

    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    const audited = events.filter((e) => e.operation === 'reviewAnomaly' && e.outcome === 'success');
    expect(audited.map((e) => e.reason)).toEqual([expect.stringContaining(first.body.data.reviewAnomaly.id), expect.stringContaining(second.body.data.reviewAnomaly.id)]);
    // The note is kept with the review, not in the log.
    expect(JSON.stringify(audited)).not.toContain('duty manager');
  });

  it('refuses a review that does not name an anomaly as auditAnomalies gave it, saying which field is wrong', async () => {
    const anomalies = (await t.graphql(ANOMALIES, { from: started, to: until() }, ig)).body.data.auditAnomalies;
    const { review: _r, ...anomaly } = anomalies.find((a: any) => a.kind === 'break-glass');
    const cases: [Record<string, unknown>, string | null, RegExp][] = [
      [{ kind: 'curious' }, 'kind', /kind must be one of break-glass/],
      [{ eventIds: [] }, 'eventIds', /1 to 1000/],
      [{ eventIds: ['not-an-id'] }, 'eventIds', /not an audit event id/],
      [{ eventIds: ['00000000-0000-4000-8000-000000000000'] }, 'eventIds', /No audit event has id/],
      [{ actorId: 'researcher-1' }, 'eventIds', /is not an event of actor researcher-1/],
      [{ actorIssuer: null }, 'actorIssuer', /both actorId and actorIssuer/],
      [{ outcome: 'ACTION_TAKEN', note: '  ' }, 'note', /what action was taken/],
      [{ note: 'x'.repeat(2001) }, null, /note is too long: at most 2000/],
    ];
    for (const [change, field, message] of cases) {
      const response = await t.graphql(REVIEW, { input: { ...anomaly, outcome: 'REVIEWED_NO_ACTION', ...change } }, ig);
      expect(response.body.errors?.[0], JSON.stringify(change).slice(0, 80)).toMatchObject({ extensions: { code: 'BAD_INPUT', ...(field ? { field } : {}) }, message: expect.stringMatching(message) });
    }
  });

  it('is for IG officers only; refusals are audited', async () => {
    const anomalies = (await t.graphql(ANOMALIES, { from: started, to: until() }, ig)).body.data.auditAnomalies;
    const { review: _r, ...anomaly } = anomalies[0];
    const refused = await t.graphql(REVIEW, { input: { ...anomaly, outcome: 'REVIEWED_NO_ACTION' } }, researcher);
    expect(refused.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect((await t.graphql('{ anomalyReviews { id } }', {}, researcher)).body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect((await t.graphql('{ auditVerification { ok } }', {}, researcher)).body.errors[0].extensions.code).toBe('FORBIDDEN');
    const pdf = await t.graphql(`mutation { exportSubjectAccessReport(kind: NHS_NUMBER, value: "${nhsNumber}") { fileName } }`, {}, researcher);
    expect(pdf.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    const refusals = events.filter((e) => e.outcome === 'refused' && e.actor?.id === 'researcher-1').map((e) => e.operation);
    expect(refusals).toEqual(expect.arrayContaining(['reviewAnomaly', 'anomalyReviews', 'auditVerification', 'exportSubjectAccessReport']));
    // The refused export names the kind of identifier, never its value.
    expect(JSON.stringify(events.filter((e) => e.operation === 'exportSubjectAccessReport'))).not.toContain(nhsNumber);
  });

  it('verifies the audit log as `audit verify` does', async () => {
    const ok = await t.graphql('{ auditVerification { ok checkedAt eventsChecked headSeq checkpointsVerified lastCheckpoint { seq keyId } unsignedEvents firstFailure { seq } summary } }', {}, ig);
    expect(ok.body.errors).toBeUndefined();
    const v = ok.body.data.auditVerification;
    expect(v).toMatchObject({ ok: true, firstFailure: null, summary: expect.stringMatching(/^Audit log intact/) });
    expect(v.eventsChecked).toBe(v.headSeq);
    expect(v.eventsChecked).toBeGreaterThan(5);
    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    expect(events.some((e) => e.operation === 'auditVerification' && e.actor?.id === 'ig-1' && e.outcome === 'success')).toBe(true);
  });

  it('checks an inclusion proof with the trusted keys and says what was checked', async () => {
    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    const eventId = events.find((e) => e.operation === 'profile')!.id;
    const response = await t.graphql(`{ auditProof(eventId: "${eventId}") { eventId verification { ok problem detail root checkpointAt } } }`, {}, ig);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.auditProof.verification).toMatchObject({ ok: true, problem: null, root: expect.stringMatching(/^[0-9a-f]{64}$/), detail: expect.stringContaining('hashes to its leaf') });
  });

  it('exports the subject access report as a PDF whose SHA-256 is in its audit event, the file name holding no personal data', async () => {
    const response = await t.graphql(`mutation($value: String!) { exportSubjectAccessReport(kind: NHS_NUMBER, value: $value) { mediaType fileName base64 sha256 bytes accesses persons unavailable auditEventId } }`, { value: nhsNumber }, ig);
    expect(response.body.errors).toBeUndefined();
    const file = response.body.data.exportSubjectAccessReport;
    const bytes = Buffer.from(file.base64, 'base64');
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(file).toMatchObject({ mediaType: 'application/pdf', bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    expect(file.fileName).toMatch(/^subject-access-report-\d{8}T\d{6}Z\.pdf$/);
    expect(file.fileName).not.toContain(nhsNumber);
    // The same accesses as the on-screen report (the researcher's search and read at least).
    const report = await t.graphql(`query($value: String!) { whoAccessedByIdentifier(kind: NHS_NUMBER, value: $value) { persons { personId } accesses { eventId actorId operation } } }`, { value: nhsNumber }, ig);
    const accesses = report.body.data.whoAccessedByIdentifier.accesses;
    expect(accesses.filter((a: any) => a.actorId === 'researcher-1').map((a: any) => a.operation)).toEqual(expect.arrayContaining(['searchPeople', 'profile']));
    // The export is itself an access of the person's records (IG's lookup is accountable too).
    expect(accesses.map((a: any) => a.eventId)).toContain(file.auditEventId);
    expect(file.accesses).toBe(accesses.filter((a: any) => a.eventId !== file.auditEventId).length);
    expect(file.persons).toBe(report.body.data.whoAccessedByIdentifier.persons.length);
    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    const exported = events.find((e) => e.id === file.auditEventId)!;
    expect(exported).toMatchObject({ operation: 'exportSubjectAccessReport', outcome: 'success', actor: { id: 'ig-1' }, document: { kind: 'subject-access-report', sha256: file.sha256, fileName: file.fileName, bytes: file.bytes } });
    expect(JSON.stringify(exported)).not.toContain(nhsNumber);

    const bad = await t.graphql('mutation { exportSubjectAccessReport(kind: NHS_NUMBER, value: "123") { fileName } }', {}, ig);
    expect(bad.body.errors[0]).toMatchObject({ extensions: { code: 'BAD_INPUT', field: 'value' }, message: expect.stringMatching(/not a valid NHS number/) });
  });

  it('names the legal sources of an explained decision with their titles from the policy', async () => {
    const response = await t.graphql('{ explainAccess(question: { purpose: "s47", category: "health.summary" }) { sources legalSources { id title } } }', {}, ig);
    expect(response.body.errors).toBeUndefined();
    const answer = response.body.data.explainAccess;
    expect(answer.legalSources.map((s: any) => s.id)).toEqual(answer.sources);
    expect(answer.legalSources).toContainEqual({ id: 'CA89-47', title: 'Children Act 1989 s47' });
  });

  // Last: it alters the log.
  it('says where the log was altered when an event was changed after it was written', async () => {
    await tamper(t.gateway.store, async (tx) => {
      await tx.query(`UPDATE audit_event SET body = jsonb_set(body, '{outcome}', '"refused"'), outcome = 'refused' WHERE seq = 3`);
    });
    const response = await t.graphql('{ auditVerification { ok eventsChecked firstFailure { seq problem detail } summary } }', {}, ig);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.auditVerification).toMatchObject({ ok: false, eventsChecked: null, firstFailure: { seq: 3, problem: 'altered', detail: expect.stringContaining('Event 3') }, summary: expect.stringMatching(/NOT intact at seq 3/) });
  });
});
