/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enquiryInput, LINK, OPEN_ENQUIRY, SEARCH, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { checkScreen, launchBrowser, openConsole, signInAs, type ConsolePage } from './browser.js';

/**
 * The researcher's work screens in the browser, on the sandbox county's featured household with all
 * five agencies: from "My enquiries" to the chronology (read and filtered), the risk indicators, the
 * conflicting details, the contact log (a phone call logged, a bad one refused against its field),
 * the précis (written, saved, a stale save refused with a clear message, exported as PDF and Word)
 * and the MASH decision (recorded, awaiting sign-off). What the screens show is compared with the
 * gateway's own answers; no address or title names a person.
 */

const AGENCIES = ['health', 'police', 'education', 'housing', 'social-care'];
const DEMO_RESEARCHER = { sub: 'demo-researcher', name: 'Demo Researcher', agency: 'social-care', roles: ['mash-researcher'] };
const REFERENCE = 'REF-WORK-0001';
const CALL = 'Dr Asha Patel said the child was seen with a bruised wrist on Friday; the mother said she fell.';
const ANALYSIS = 'Two agencies describe the same night. A strategy discussion is needed today.';
const SCREEN_PATHS = ['/', '/enquiries', '/chronology', '/indicators', '/conflicts', '/contact-log', '/precis', '/decision'];

const SEARCH_PEOPLE = 'query($e: ID!, $q: PersonSearchInput!) { searchPeople(enquiryId: $e, query: $q) { auditEventId agencies { agency status detail } people { key records { agency } } } }';
const LINK_PERSON = 'mutation($e: ID!, $s: ID!, $k: String!) { linkPerson(enquiryId: $e, searchEventId: $s, key: $k, label: "Child", relation: CHILD) { id } }';
const CHRONOLOGY = `query($e: ID!, $s: ID!) { chronology(enquiryId: $e, subjectId: $s) {
  subjects { id label } groups { id }
  entries { kind agency category title type source subject { id } } } }`;
const INDICATORS = 'query($e: ID!, $s: ID!) { riskIndicators(enquiryId: $e, subjectId: $s) { evaluated indicators { id name count references } } }';
const CONFLICTS = 'query($e: ID!, $s: ID!) { conflicts(enquiryId: $e, subjectId: $s) { compared conflicts { field } } }';
const VERSION = `query($e: ID!, $v: Int!) { precisVersion(enquiryId: $e, version: $v) { content { title sections { key heading subjectId agency analysis
  statements { id kind text relevance references { ref auditEventId category subjectId fields personId } withheld { agency category subjectId } } } } } }`;
const SAVE = 'mutation($e: ID!, $b: Int!, $c: PrecisContentInput!) { savePrecis(enquiryId: $e, baseVersion: $b, content: $c) { version } }';
const DECISIONS = 'query($e: ID!) { mashDecisions(enquiryId: $e) { sequence level outcome status rationale current } }';

describe('the researcher’s work screens: chronology, indicators, conflicts, contact log, précis, decision', () => {
  let t: TestGateway;
  let browser: Browser;
  let token: string;
  let enquiryId: string;
  let childId: string;
  let motherId: string;
  let names: string[];
  let console_: ConsolePage;
  let page: Page;

  /** A request as the demo researcher that must succeed: its data. */
  async function ok(query: string, variables: Record<string, unknown> = {}): Promise<any> {
    const response = await t.graphql(query, variables, token);
    expect(response.body.errors, query.slice(0, 60)).toBeUndefined();
    return response.body.data;
  }

  beforeAll(async () => {
    t = await startTestGateway({ agencies: AGENCIES, households: 30 });
    browser = await launchBrowser();
    token = await t.gateway.demoIssuer!.sign(DEMO_RESEARCHER);
    const { child, parent } = t.gateway.sandbox!.county.featured;
    names = [child.family, ...child.given, parent.family, ...parent.given];

    enquiryId = (await ok(OPEN_ENQUIRY, { input: enquiryInput({ referralReference: REFERENCE }) })).openEnquiry.id;
    // The child: one likely person with a record at each of the five agencies, linked in one step.
    // On a busy machine an agency can time out and its circuit open for a while (it then answers
    // UNAVAILABLE): the search is asked again until every agency answers, for up to two minutes.
    let search: any;
    for (let attempt = 0; attempt < 40 && search?.people[0]?.records.length !== AGENCIES.length; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 3000));
      search = (await ok(SEARCH_PEOPLE, { e: enquiryId, q: { nhsNumber: child.nhsNumber, family: child.family, given: child.given[0], birthDate: child.birthDate } })).searchPeople;
    }
    expect(search.people[0].records.map((r: any) => r.agency).sort(), JSON.stringify(search.agencies)).toEqual([...AGENCIES].sort());
    childId = (await ok(LINK_PERSON, { e: enquiryId, s: search.auditEventId, k: search.people[0].key })).linkPerson.id;
    // The mother, an adult whose relevance is recorded, linked agency by agency.
    const found = (await ok(SEARCH, { enquiryId, query: { family: parent.family, given: parent.given[0], birthDate: parent.birthDate } })).searchPeople;
    for (const result of found.agencies) {
      const person = result.people.find((p: any) => p.birthDate === parent.birthDate);
      if (!person) continue;
      const subject = motherId ? { subjectId: motherId } : { relation: 'ADULT', label: 'Mother', relevance: 'Mother and main carer; present on the night of the call-out.' };
      motherId = (await ok(LINK, { input: { enquiryId, agency: result.agency, personId: person.personId, ...subject } })).linkSubject.id;
    }
    expect(motherId).toBeDefined();

    console_ = await openConsole(browser, t.gateway.url);
    page = console_.page;
    await signInAs(page, 'MASH researcher');
  }, 240_000);

  afterAll(async () => {
    await console_?.close();
    await browser?.close();
    await t?.close();
  });

  /** Nothing about a person in the address or the title, on whatever screen is showing. */
  async function expectNoPersonalData(title: string) {
    const url = new URL(page.url());
    expect(SCREEN_PATHS).toContain(url.pathname);
    expect(url.search + url.hash).toBe('');
    expect(await page.title()).toBe(`${title} - MASH console`);
    for (const name of names) {
      expect(page.url()).not.toContain(name);
      expect(await page.title()).not.toContain(name);
    }
  }

  /** From My enquiries, opens one task of the enquiry (of a subject, when given: its section's label). */
  async function openTask(task: string, subject?: 'Child' | 'Mother') {
    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'My enquiries' }).click();
    const section = page.getByTestId('my-enquiry').filter({ hasText: REFERENCE });
    const details = section.locator('details');
    if (!(await details.evaluate((element) => (element as HTMLDetailsElement).open))) await section.getByText('Tasks for this enquiry').click();
    const scope = subject ? section.getByRole('region', { name: new RegExp(`^${subject}`) }) : section.locator('ul.govuk-task-list').first();
    await scope.getByRole('link', { name: task, exact: true }).click();
  }

  it('lists the caller’s enquiries with their tasks', async () => {
    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'My enquiries' }).click();
    await page.getByRole('heading', { name: 'My enquiries', level: 1 }).waitFor();
    const section = page.getByTestId('my-enquiry').filter({ hasText: REFERENCE });
    await expect(section.getByRole('heading', { level: 2 }).innerText()).resolves.toMatch(new RegExp(`^${REFERENCE}\\s+RED$`));
    await expect(section.innerText()).resolves.toContain('s47');
    await section.getByText('Tasks for this enquiry').click();
    await section.getByRole('region', { name: /^Child/ }).getByRole('link', { name: 'Chronology', exact: true }).waitFor();
    await expect(section.getByRole('region', { name: /^Mother/ }).getByRole('link', { name: 'Risk indicators', exact: true }).count()).resolves.toBe(1);
    await expect(section.getByRole('link', { name: /^Open the enquiry/ }).count()).resolves.toBe(1);
    await checkScreen(page, 'work-enquiries');
    await expectNoPersonalData('My enquiries');
  }, 120_000);

  it('shows the chronology in the gateway’s order, and filters it by agency, person and category', async () => {
    const answer = (await ok(CHRONOLOGY, { e: enquiryId, s: childId })).chronology;
    const entries = answer.entries.filter((e: any) => e.kind !== 'WITHHELD');
    const markers = answer.entries.filter((e: any) => e.kind === 'WITHHELD');
    expect(entries.length).toBeGreaterThan(3);

    await openTask('Chronology', 'Child');
    await page.getByRole('heading', { name: 'Chronology', level: 1 }).waitFor();
    const rows = page.getByTestId('chronology-entry');
    await rows.first().waitFor();
    const titles = async () => (await rows.getByTestId('entry-title').allInnerTexts()).map((s) => s.trim());
    expect(await titles()).toEqual(entries.map((e: any) => e.title ?? e.type ?? 'Record'));
    await expect(page.getByTestId('disclosed-under').innerText()).resolves.toMatch(/Shared for the purpose s47 under .+ \(policy .+\)/);
    if (answer.groups.length > 0) await expect(page.getByTestId('incident-group').count()).resolves.toBe(answer.groups.length);
    if (markers.length > 0) await expect(page.getByTestId('withheld-markers').locator('li').count()).resolves.toBe(markers.length);
    await checkScreen(page, 'work-chronology');

    // By agency: only police's entries, as many as the gateway gave.
    await page.getByLabel('Agency').selectOption('police');
    const police = entries.filter((e: any) => e.agency === 'police');
    expect(police.length).toBeGreaterThan(0);
    await expect.poll(titles).toEqual(police.map((e: any) => e.title ?? e.type ?? 'Record'));
    await expect(page.getByTestId('chronology-count').innerText()).resolves.toBe(`${police.length} of ${entries.length} entries match, oldest first.`);
    // By person and category together.
    await page.getByLabel('Agency').selectOption('');
    await page.getByLabel('Person').selectOption({ label: 'Mother' });
    const mothers = entries.filter((e: any) => e.subject.id === motherId);
    expect(mothers.length).toBeGreaterThan(0);
    await expect.poll(titles).toEqual(mothers.map((e: any) => e.title ?? e.type ?? 'Record'));
    const category = mothers[0].category as string;
    await page.getByLabel('Category').selectOption(category);
    await expect.poll(titles).toEqual(mothers.filter((e: any) => e.category === category).map((e: any) => e.title ?? e.type ?? 'Record'));
    await expectNoPersonalData('Chronology');
  }, 120_000);

  it('shows the indicators that fired, with their counts and the records each counts', async () => {
    const answer = (await ok(INDICATORS, { e: enquiryId, s: childId })).riskIndicators;
    expect(answer.indicators.length).toBeGreaterThan(0);
    await openTask('Risk indicators', 'Child');
    await page.getByRole('heading', { name: 'Risk indicators', level: 1 }).waitFor();
    const cards = page.getByTestId('indicator');
    await cards.first().waitFor();
    await expect(page.getByTestId('indicators-summary').innerText()).resolves.toBe(`${answer.indicators.length} of the ${answer.evaluated} indicators fired.`);
    expect(await cards.locator('h2').allInnerTexts()).toEqual(answer.indicators.map((i: any) => `${i.name}: ${i.count}`));
    for (const [index, indicator] of answer.indicators.entries()) {
      expect(await cards.nth(index).getByTestId('indicator-references').locator('li').allInnerTexts()).toEqual(indicator.references);
    }
    await checkScreen(page, 'work-indicators');
    await expectNoPersonalData('Risk indicators');
  }, 120_000);

  it('shows where the agencies disagree, per detail', async () => {
    const answer = (await ok(CONFLICTS, { e: enquiryId, s: childId })).conflicts;
    await openTask('Conflicting details', 'Child');
    await page.getByRole('heading', { name: 'Conflicting details', level: 1 }).waitFor();
    await page.getByTestId('conflicts-summary').waitFor();
    await expect(page.getByTestId('conflict').count()).resolves.toBe(answer.conflicts.length);
    await expect(page.getByTestId('conflicts-summary').innerText()).resolves.toContain(`${answer.compared} record`);
    await expect(page.getByTestId('disclosed-under').count()).resolves.toBe(1);
    await checkScreen(page, 'work-conflicts');
    await expectNoPersonalData('Conflicting details');
  }, 120_000);

  it('logs a phone call (a bad entry is refused against its field) and shows it in the log and the chronology', async () => {
    await openTask('Contact log');
    await page.getByRole('heading', { name: 'Contact log', level: 1 }).waitFor();
    await page.getByTestId('contact-log-empty').waitFor();
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'Log a contact' }) });
    await form.getByLabel('Who the information is about').selectOption({ label: 'Child' });
    await form.getByLabel('Who gave the information').fill('Dr Asha Patel');
    await form.getByLabel('Their role').fill('GP');
    await form.getByLabel('Phone call').check();
    await form.getByLabel('What was said').fill(CALL);
    // Another organisation needs its name: the gateway's message shows against the field.
    await form.getByLabel('Their agency').selectOption('other');
    await form.getByLabel('Category of the information').selectOption('health.clinical');
    await form.getByRole('button', { name: 'Log the contact' }).click();
    const summary = form.locator('.govuk-error-summary');
    await summary.waitFor();
    await expect(summary.getByRole('link').innerText()).resolves.toMatch(/name the organisation/);
    await expect(form.locator('#contact-organisation-error').innerText()).resolves.toMatch(/name the organisation/);
    await checkScreen(page, 'work-contact-log-error');

    await form.getByLabel('Their agency').selectOption('health');
    await form.getByLabel('Category of the information').selectOption('health.clinical');
    await form.getByLabel('Organisation (optional for a connected agency)').fill('Riverside Surgery');
    await form.getByRole('button', { name: 'Log the contact' }).click();
    await page.getByText(/The contact is logged as contact:/).waitFor();
    const row = page.getByTestId('contact-entry');
    await row.first().waitFor();
    await expect(row.count()).resolves.toBe(1);
    const text = await row.innerText();
    expect(text).toContain(CALL);
    expect(text).toContain('Phone call (Health)');
    expect(text).toContain('Dr Asha Patel, GP, Riverside Surgery');
    await checkScreen(page, 'work-contact-log');
    await expectNoPersonalData('Contact log');

    // The chronology merges it with the agencies' entries.
    await openTask('Chronology', 'Child');
    const logged = page.getByTestId('chronology-entry').filter({ hasText: 'Contact log' });
    await logged.first().waitFor();
    await expect(logged.innerText()).resolves.toContain(CALL);
  }, 120_000);

  it('writes and saves the précis, refuses a stale save clearly, and exports PDF and Word files', async () => {
    await openTask('Précis');
    await page.getByRole('heading', { name: 'Précis', level: 1 }).waitFor();
    await expect(page.getByTestId('precis-origin').innerText({ timeout: 60_000 })).resolves.toMatch(/^A fresh draft/);
    expect(await page.getByTestId('precis-section').count()).toBeGreaterThan(2);
    const analysis = page.getByLabel('Your analysis: Analysis and recommendation');
    await analysis.fill(ANALYSIS);
    await page.getByRole('button', { name: 'Save as a new version' }).click();
    await page.getByText('The précis is saved as version 1.').waitFor();
    const saved = (await ok(VERSION, { e: enquiryId, v: 1 })).precisVersion.content;
    expect(saved.sections.find((s: any) => s.key === 'analysis').analysis).toBe(ANALYSIS);

    // Someone else saves version 2 while the researcher edits version 1.
    saved.sections.find((s: any) => s.key === 'analysis').analysis = `${ANALYSIS} Police to attend.`;
    expect((await ok(SAVE, { e: enquiryId, b: 1, c: saved })).savePrecis.version).toBe(2);
    await analysis.fill(`${ANALYSIS} Health visitor to call.`);
    await page.getByRole('button', { name: 'Save as a new version' }).click();
    const conflict = page.getByTestId('precis-conflict');
    await conflict.waitFor();
    await expect(conflict.innerText()).resolves.toMatch(/Someone else saved version 2 of this précis after you started editing version 1\. Your changes are not saved\./);
    // The edit is still there to copy; nothing was saved over version 2.
    await expect(analysis.inputValue()).resolves.toBe(`${ANALYSIS} Health visitor to call.`);
    expect((await ok('query($e: ID!) { precisVersions(enquiryId: $e) { version } }', { e: enquiryId })).precisVersions).toHaveLength(2);
    await checkScreen(page, 'work-precis-conflict');
    await conflict.getByRole('button', { name: /Load version 2/ }).click();
    await expect(page.getByTestId('precis-origin').innerText()).resolves.toMatch(/^Version 2/);
    await expect(page.getByLabel('Your analysis: Analysis and recommendation').inputValue()).resolves.toBe(`${ANALYSIS} Police to attend.`);
    await expect(page.getByTestId('precis-versions').locator('tbody tr').count()).resolves.toBe(2);

    for (const [format, button, magic] of [
      ['pdf', 'PDF of version 2', '%PDF'],
      ['docx', 'Word (DOCX) of version 2', 'PK\u0003\u0004'],
    ] as const) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
      const name = download.suggestedFilename();
      expect(name).toBe(`precis-${enquiryId}-v2.${format}`);
      for (const part of names) expect(name).not.toContain(part);
      const bytes = readFileSync((await download.path())!);
      expect(bytes.subarray(0, 4).toString('latin1')).toBe(magic);
      await page.getByTestId('precis-exported').filter({ hasText: name }).waitFor();
    }
    await checkScreen(page, 'work-precis');
    await expectNoPersonalData('Précis');
  }, 120_000);

  it('records a decision consistent with its level (a past due date refused against its field), awaiting sign-off', async () => {
    await openTask('MASH decision');
    await page.getByRole('heading', { name: 'MASH decision', level: 1 }).waitFor();
    await page.getByText('No decision is recorded yet.').waitFor();
    await page.getByLabel('Level 4: child protection (s47)').check();
    // Only the outcomes consistent with level 4 are offered.
    const outcomes = page.getByRole('group', { name: 'Outcome' }).getByRole('radio');
    expect(await outcomes.evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).labels?.[0]?.textContent))).toEqual(['Strategy discussion (s47)', 'Police action']);
    await page.getByLabel('Strategy discussion (s47)').check();
    await page.getByLabel('Rationale').fill(ANALYSIS);
    await page.getByLabel('What is to be done').fill('Convene a strategy discussion');
    await page.getByLabel('Team', { exact: true }).fill('MASH team');
    await page.getByLabel('By when').fill('2020-01-01');
    await page.getByRole('button', { name: 'Record the decision' }).click();
    await page.locator('#decision-step-0-due-error').waitFor();
    await expect(page.locator('#decision-step-0-due-error').innerText()).resolves.toMatch(/nextSteps\[0\]\.due 2020-01-01 is in the past/);
    await checkScreen(page, 'work-decision-error');

    const due = new Date(Date.now() + 2 * 24 * 3600_000).toISOString().slice(0, 10);
    await page.getByLabel('By when').fill(due);
    await page.getByRole('button', { name: 'Record the decision' }).click();
    await page.getByText('Decision 1 is recorded. It now waits for a MASH manager’s sign-off.').waitFor();
    const current = page.getByTestId('current-decision');
    await current.waitFor();
    const text = await current.innerText();
    expect(text).toContain('Strategy discussion (s47)');
    expect(text).toContain('Level 4: child protection (s47)');
    expect(text).toContain('Awaiting sign-off');
    expect(text).toContain(ANALYSIS);
    expect(text).toContain('Convene a strategy discussion: MASH team');
    expect((await ok(DECISIONS, { e: enquiryId })).mashDecisions).toEqual([{ sequence: 1, level: '4', outcome: 'STRATEGY_DISCUSSION', status: 'AWAITING_SIGN_OFF', rationale: ANALYSIS, current: true }]);
    await checkScreen(page, 'work-decision');
    await expectNoPersonalData('MASH decision');
    expect(console_.problems).toEqual([]);
  }, 120_000);

  it('says so when a work screen is opened without its enquiry, e.g. after a reload', async () => {
    const { page: fresh, close } = await openConsole(browser, t.gateway.url);
    await fresh.goto('/chronology');
    await signInAs(fresh, 'MASH researcher');
    await fresh.getByText('it was opened without one').waitFor();
    await expect(fresh.getByRole('link', { name: 'My enquiries' }).count()).resolves.toBeGreaterThan(0);
    await close();
  }, 120_000);
});
