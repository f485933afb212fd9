/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '../../gateway/audit/index.js';
import { demoUsers } from '../../gateway/auth/index.js';
import { enquiryInput, LINK, OPEN_ENQUIRY, PROFILE, SEARCH, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { checkScreen, launchBrowser, openConsole, signInAs, type ConsolePage } from './browser.js';

/**
 * The information-governance officer's screens: a subject access report for the featured child
 * (printable, and as a PDF), the access log, signing an anomaly off, the audit log's integrity
 * with an inclusion proof, and a policy explanation. Another role is refused the screens.
 */
describe('the information-governance screens', () => {
  let t: TestGateway;
  let browser: Browser;
  let console: ConsolePage;
  let nhsNumber: string;
  let profileEventId: string;

  const tokenFor = (label: string) => {
    const user = demoUsers().find((candidate) => candidate.label === label)!;
    return t.gateway.demoIssuer!.sign({ sub: user.sub, name: user.name, agency: user.agency, roles: user.roles });
  };

  beforeAll(async () => {
    t = await startTestGateway({ agencies: ['health', 'police', 'education', 'housing', 'social-care'], households: 30 });
    browser = await launchBrowser();
    nhsNumber = t.gateway.sandbox!.county.featured.child.nhsNumber;
    // The researcher reads the featured child's profile over the API; a duty worker opens a break-glass enquiry.
    const researcher = await tokenFor('MASH researcher');
    const enquiryId = (await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ referralReference: 'REF-IG-1' }) }, researcher)).body.data.openEnquiry.id;
    const search = await t.graphql(SEARCH, { enquiryId, query: { nhsNumber } }, researcher);
    const personId = search.body.data.searchPeople.agencies.find((a: any) => a.agency === 'health').people[0].personId;
    const subjectId = (await t.graphql(LINK, { input: { enquiryId, agency: 'health', personId } }, researcher)).body.data.linkSubject.id;
    const profile = await t.graphql(PROFILE, { enquiryId, subjectId }, researcher);
    expect(profile.body.errors).toBeUndefined();
    const duty = await tokenFor('Out-of-hours practitioner');
    const breakGlass = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ referralReference: 'REF-IG-EDT', purpose: 'emergency', justification: 'Child found alone at 02:00; police at the address now.' }) }, duty);
    expect(breakGlass.body.errors).toBeUndefined();
    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    profileEventId = events.find((e) => e.operation === 'profile' && e.actor?.id === 'demo-researcher' && e.outcome === 'success')!.id;

    console = await openConsole(browser, t.gateway.url, { width: 1280 });
    await signInAs(console.page, 'Information governance officer');
  }, 180_000);
  afterAll(async () => {
    await console?.close();
    await browser?.close();
    await t?.close();
  });

  const open = async (nav: string, heading: string) => {
    await console.page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: nav }).click();
    await console.page.getByRole('heading', { name: heading, level: 1 }).waitFor();
  };

  it('shows the IG officer their screens in the service navigation', async () => {
    const links = await console.page.getByRole('navigation', { name: 'Menu' }).getByRole('link').allInnerTexts();
    expect(links.map((text) => text.trim().replace(/\s+/g, ' '))).toEqual(['Home', 'Notifications', 'Access log', 'Subject access', 'Anomalies', 'Audit log integrity', 'Policy explain', 'Encompass history', expect.stringMatching(/^Sign out/)]);
  });

  it('produces a subject access report from the NHS number, listing the researcher’s access, printable and as a PDF', async () => {
    const { page } = console;
    await open('Subject access', 'Subject access');
    await checkScreen(page, 'ig-subject-access-form');
    // Nothing typed: the form says what is missing, against the field.
    await page.getByRole('button', { name: 'Produce report' }).click();
    await expect(page.locator('.govuk-error-summary').innerText()).resolves.toMatch(/Enter the NHS number/);
    await page.getByRole('textbox', { name: 'NHS number' }).fill('123');
    await page.getByRole('button', { name: 'Produce report' }).click();
    await expect(page.locator('#sar-value-error').innerText()).resolves.toMatch(/not a valid NHS number/);
    await checkScreen(page, 'ig-subject-access-error');

    await page.getByRole('textbox', { name: 'NHS number' }).fill(nhsNumber);
    await page.getByRole('button', { name: 'Produce report' }).click();
    const accesses = page.getByTestId('sar-accesses');
    await accesses.waitFor();
    const rows = await accesses.locator('tbody tr').allInnerTexts();
    const read = rows.find((row) => /Demo Researcher/.test(row) && /profile/.test(row));
    expect(read).toBeDefined();
    expect(read).toMatch(/social-care/);
    expect(read).toMatch(/s47 under https:\/\/www\.legislation\.gov\.uk\/ukpga\/1989\/41\/section\/47/);
    expect(read).toMatch(/health\./);
    expect(rows.some((row) => /Demo Researcher/.test(row) && /searchPeople/.test(row))).toBe(true);
    await expect(page.getByTestId('sar-persons').innerText()).resolves.toMatch(/health/);
    // The identifier is in no address, title or history entry.
    expect(page.url()).not.toContain(nhsNumber);
    expect(await page.title()).toBe('Subject access - MASH console');
    expect(await page.evaluate(() => JSON.stringify(window.history.state))).not.toContain(nhsNumber);
    await checkScreen(page, 'ig-subject-access-report');

    // Printed: the report alone, without the service's header, navigation, form or buttons.
    await page.emulateMedia({ media: 'print' });
    await expect(page.locator('.govuk-service-navigation').isVisible()).resolves.toBe(false);
    await expect(page.getByRole('button', { name: 'Produce report' }).isVisible()).resolves.toBe(false);
    await expect(page.getByRole('button', { name: 'Print' }).isVisible()).resolves.toBe(false);
    await expect(page.getByTestId('sar-accesses').isVisible()).resolves.toBe(true);
    await page.emulateMedia({ media: 'screen' });
    await expect(page.getByRole('button', { name: 'Print' }).isVisible()).resolves.toBe(true);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download PDF' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^subject-access-report-\d{8}T\d{6}Z\.pdf$/);
    const bytes = readFileSync((await download.path())!);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await expect(page.locator('.govuk-notification-banner--success').innerText()).resolves.toMatch(/PDF downloaded as subject-access-report-/);
    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    const exported = events.filter((e) => e.operation === 'exportSubjectAccessReport' && e.actor?.id === 'demo-ig-officer');
    expect(exported).toHaveLength(1);
    expect(exported[0]!.document?.bytes).toBe(bytes.length);
    expect(console.problems).toEqual([]);
  });

  it('signs off the break-glass anomaly with a note, and shows it reviewed', async () => {
    const { page } = console;
    await open('Anomalies', 'Anomalies');
    const card = page.getByTestId('anomaly').filter({ hasText: 'Break-glass enquiry opened' }).filter({ hasText: 'demo-out-of-hours' });
    await card.waitFor();
    await expect(card.locator('.govuk-tag').innerText()).resolves.toBe('Not reviewed');
    await checkScreen(page, 'ig-anomalies');
    await card.getByRole('button', { name: /^Sign off/ }).click();
    await card.getByLabel('Reviewed: action taken').check();
    await card.getByRole('button', { name: 'Record review' }).click();
    await expect(card.locator('.govuk-error-summary').innerText()).resolves.toMatch(/Say in the note what action was taken/);
    await checkScreen(page, 'ig-anomalies-review-error');
    await card.getByLabel('Reviewed: no action needed').check();
    await card.getByLabel('Note').fill('Justification checked with the emergency duty manager.');
    await card.getByRole('button', { name: 'Record review' }).click();
    await expect(page.locator('.govuk-notification-banner--success').innerText()).resolves.toMatch(/Review recorded: Break-glass enquiry opened, reviewed: no action needed/);
    await card.getByText('Reviewed: no action needed', { exact: true }).first().waitFor();
    await expect(card.innerText()).resolves.toMatch(/Justification checked with the emergency duty manager\.\s*$|Justification checked with the emergency duty manager\./);
    await expect(card.innerText()).resolves.toMatch(/by Demo IG Officer|by demo-ig-officer|by Demo/);
    await checkScreen(page, 'ig-anomalies-reviewed');
    const reviews = await t.graphql('{ anomalyReviews { kind actorId outcome reviewedBy } }', {}, await tokenFor('Information governance officer'));
    expect(reviews.body.data.anomalyReviews).toEqual([{ kind: 'break-glass', actorId: 'demo-out-of-hours', outcome: 'REVIEWED_NO_ACTION', reviewedBy: 'demo-ig-officer' }]);
  });

  it('shows the audit log intact and checks an inclusion proof for the researcher’s read, saying what was checked', async () => {
    const { page } = console;
    await open('Audit log integrity', 'Audit log integrity');
    const verification = page.getByTestId('audit-verification');
    await verification.waitFor();
    await expect(verification.innerText()).resolves.toMatch(/Intact[\s\S]*Audit log intact: seq 1 to \d+/);
    await checkScreen(page, 'ig-audit');
    await page.getByLabel('Audit event id').fill('not-an-event');
    await page.getByRole('button', { name: 'Check inclusion' }).click();
    await expect(page.locator('#proof-event-error').innerText()).resolves.toMatch(/right format/);
    await page.getByLabel('Audit event id').fill(profileEventId);
    await page.getByRole('button', { name: 'Check inclusion' }).click();
    const result = page.getByTestId('proof-result');
    await result.waitFor();
    await expect(result.innerText()).resolves.toMatch(/Included[\s\S]*hashes to its leaf[\s\S]*What was checked: the gateway checked this proof/);
    await checkScreen(page, 'ig-audit-proof');
  });

  it('filters the access log by actor and shows an event’s decisions per agency', async () => {
    const { page } = console;
    await open('Access log', 'Access log');
    await page.getByTestId('access-log-table').waitFor();
    // The filters of a row line up at the bottom, whether or not a hint sits above a control.
    const bottoms = await Promise.all(
      ['Agency', 'Agency person id', 'Decision'].map(async (label) => {
        const box = (await page.getByLabel(label, { exact: true }).boundingBox())!;
        return box.y + box.height;
      }),
    );
    expect(Math.max(...bottoms) - Math.min(...bottoms)).toBeLessThanOrEqual(2);
    await page.getByLabel('Agency person id').fill('P-1');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page.locator('.govuk-error-summary').innerText()).resolves.toMatch(/Choose the agency whose person id this is/);
    await checkScreen(page, 'ig-access-log-error');
    await page.getByLabel('Agency person id').fill('');
    await page.getByLabel('Actor').fill('demo-researcher');
    await page.getByLabel('Outcome').selectOption('success');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const table = page.getByTestId('access-log-table');
    await page.getByRole('status').filter({ hasText: /^Events 1 to/ }).waitFor();
    const rows = await table.locator('tbody tr').allInnerTexts();
    expect(rows.length).toBeGreaterThanOrEqual(4);
    expect(rows.every((row) => /Demo Researcher, social-care \(mash-researcher\)/.test(row) && /success/.test(row))).toBe(true);
    const profileRow = table.locator('tbody tr').filter({ hasText: 'profile' }).first();
    await expect(profileRow.innerText()).resolves.toMatch(/s47[\s\S]*legislation\.gov\.uk/);
    await profileRow.getByRole('button', { name: /^Details/ }).click();
    const decisions = page.getByTestId('event-decisions');
    await decisions.waitFor();
    const decisionRows = await decisions.locator('tbody tr').allInnerTexts();
    expect(decisionRows.some((row) => /^health\s+health\.\S+\s+disclose/.test(row))).toBe(true);
    await checkScreen(page, 'ig-access-log');
  });

  it('explains a policy decision: the decision, the rule and its legal sources', async () => {
    const { page } = console;
    await open('Policy explain', 'Policy explain');
    await page.getByLabel('Category of information').locator('option[value="health.summary"]').waitFor({ state: 'attached' });
    // The purposes are the policy's, from the purposes query in its order.
    const purposes = (await t.graphql('{ purposes { id label } }', {}, await tokenFor('Information governance officer'))).body.data.purposes as { id: string; label: string }[];
    expect(purposes.map((p) => p.id)).toContain('emergency');
    await expect(page.getByLabel('Purpose').locator('option').allInnerTexts()).resolves.toEqual(['Select a purpose', ...purposes.map((p) => `${p.label} (${p.id})`)]);
    // The roles are the policy's, from the policyRoles query in its order; the first is chosen.
    const roles = (await t.graphql('{ policyRoles { id label } }', {}, await tokenFor('Information governance officer'))).body.data.policyRoles as { id: string; label: string }[];
    expect(roles.map((r) => r.id)).toContain('agency-reviewer');
    await expect(page.getByLabel('Role').locator('option').allInnerTexts()).resolves.toEqual(roles.map((r) => r.label));
    await expect(page.getByLabel('Role').inputValue()).resolves.toBe(roles[0]!.id);
    await page.getByRole('button', { name: 'Explain' }).click();
    await expect(page.locator('.govuk-error-summary').innerText()).resolves.toMatch(/Select the purpose[\s\S]*Select the category/);
    await checkScreen(page, 'ig-policy-explain-error');
    await page.getByLabel('Role').selectOption('mash-researcher');
    await page.getByLabel('Purpose').selectOption('s47');
    await page.getByLabel('Category of information').selectOption('health.summary');
    await page.getByRole('button', { name: 'Explain' }).click();
    const answer = page.getByTestId('explanation');
    await answer.waitFor();
    const api = await t.graphql('{ explainAccess(question: { purpose: "s47", category: "health.summary", consent: false, subject: CHILD, relevance: false, role: "mash-researcher" }) { decision rule sources legalSources { id title } } }', {}, await tokenFor('Information governance officer'));
    const expected = api.body.data.explainAccess;
    const text = await answer.innerText();
    expect(text).toContain(`Decision: ${expected.decision}`);
    expect(text).toContain(expected.rule);
    expect(expected.sources.length).toBeGreaterThan(0);
    for (const source of expected.legalSources) expect(text).toContain(`${source.title} (${source.id})`);
    expect(text).toMatch(/Children Act 1989 s47 \(CA89-47\)/);
    await checkScreen(page, 'ig-policy-explain');
    expect(console.problems).toEqual([]);
  });

  it('refuses a researcher the IG screens', async () => {
    const other = await openConsole(browser, t.gateway.url);
    try {
      await other.page.goto('/access-log');
      await signInAs(other.page, 'MASH researcher');
      await other.page.getByRole('heading', { name: 'You cannot use this screen', level: 1 }).waitFor();
      await expect(other.page.getByTestId('access-log-table').count()).resolves.toBe(0);
      const links = await other.page.getByRole('navigation', { name: 'Menu' }).getByRole('link').allInnerTexts();
      expect(links.join(' ')).not.toMatch(/Access log|Subject access|Anomalies|Audit log integrity|Policy explain/);
      await checkScreen(other.page, 'ig-refused-researcher');
    } finally {
      await other.close();
    }
  });
});
