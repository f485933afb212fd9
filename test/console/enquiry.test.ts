/// <reference lib="dom" />
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '../../gateway/audit/index.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { checkScreen, launchBrowser, openConsole, signInAs } from './browser.js';

/**
 * The researcher's enquiry screens on the sandbox county with all five agencies: open an enquiry
 * through the form (a bad input first), find the featured child, confirm them in one click, see
 * what each agency holds, and confirm a household adult with their relevance in one click. The address bar
 * names screens only, and titles name no one.
 */

const AGENCIES = ['health', 'police', 'education', 'housing', 'social-care'];
const SCREEN_PATHS = new Set(['/', '/queue', '/new-enquiry', '/enquiry', '/search', '/profile', '/household']);
const STATUS_WORDS: Record<string, string> = { RECORDS: 'Records', NO_RECORD: 'No record', UNAVAILABLE: 'Unavailable' };

const ENQUIRIES = /* GraphQL */ `
  query { enquiries { id referralReference subjects { id label relation relevance links { agency personId } } } }
`;
const PROFILE_STATUSES = /* GraphQL */ `
  query Profile($enquiryId: ID!, $subjectId: ID!) { profile(enquiryId: $enquiryId, subjectId: $subjectId) { agencies { agency status } } }
`;

describe('the researcher’s enquiry screens: open, search, confirm, profile, household', () => {
  let t: TestGateway;
  let browser: Browser;
  let token: string;

  beforeAll(async () => {
    t = await startTestGateway({ agencies: AGENCIES, households: 40 });
    browser = await launchBrowser();
    token = await t.gateway.demoIssuer!.sign({ sub: 'demo-researcher', name: 'Demo Researcher', agency: 'social-care', roles: ['mash-researcher'] });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** Nothing about the enquiry or a person in the address bar or the title. */
  async function assertPrivate(page: Page, secrets: string[]): Promise<void> {
    const url = new URL(page.url());
    expect(SCREEN_PATHS.has(url.pathname), url.pathname).toBe(true);
    expect(url.search).toBe('');
    expect(url.hash).toBe('');
    const title = await page.title();
    for (const secret of secrets) {
      expect(page.url().toLowerCase()).not.toContain(secret.toLowerCase());
      expect(title.toLowerCase()).not.toContain(secret.toLowerCase());
    }
  }

  it('takes a referral from the form to a confirmed child, their profile and a household adult', async () => {
    const county = t.gateway.sandbox!.county;
    const { child } = county.featured;
    const categories = (await t.graphql('{ referralConcernCategories { id label } }', {}, token)).body.data.referralConcernCategories as { id: string; label: string }[];
    const concern = categories[0]!;
    const { page, problems, close } = await openConsole(browser, t.gateway.url);
    const secrets = [child.family, child.given[0]!];
    await signInAs(page, 'MASH researcher');
    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Triage queue' }).click();
    await page.getByRole('button', { name: 'Open an enquiry' }).click();
    await page.getByRole('heading', { name: 'Open an enquiry', level: 1 }).waitFor();
    await page.getByRole('checkbox', { name: concern.label }).waitFor();
    await checkScreen(page, 'new-enquiry');

    // A bad input: the gateway's message in the error summary and against the field.
    await page.getByRole('group', { name: 'RAG rating' }).getByLabel('Red').check();
    await page.getByLabel('Section 47 enquiry / strategy discussion').check();
    await page.getByLabel('Referral reference').fill('   ');
    await page.getByRole('button', { name: 'Open the enquiry' }).click();
    const summary = page.locator('.govuk-error-summary');
    await summary.waitFor();
    await expect(summary.innerText()).resolves.toContain('referralReference must not be empty.');
    await expect(page.locator('#field-referralReference-error').innerText()).resolves.toContain('referralReference must not be empty.');
    await checkScreen(page, 'new-enquiry-error');
    // The summary's link takes the keyboard to the field, without touching the address.
    await summary.getByRole('link', { name: /referralReference must not be empty/ }).click();
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('field-referralReference');
    await assertPrivate(page, secrets);

    await page.getByLabel('Referral reference').fill('REF-CONSOLE-0001');
    await page.getByLabel('No, or not asked').check();
    await page.getByLabel('An agency', { exact: true }).check();
    await page.getByLabel('Referring agency or organisation').fill('Northfield Primary School');
    await page.getByLabel('Referrer’s name').fill('Designated Lead');
    await page.getByRole('checkbox', { name: concern.label }).check();
    await page.getByLabel('What the referrer said (optional)').fill('The child came to school with bruising and said they were scared to go home.');
    await page.getByRole('button', { name: 'Open the enquiry' }).click();
    await page.getByRole('heading', { name: 'Referral REF-CONSOLE-0001', level: 1 }).waitFor();
    await page.getByText('Enquiry opened for referral REF-CONSOLE-0001').waitFor();
    const opened = ((await t.graphql(ENQUIRIES, {}, token)).body.data.enquiries as { id: string; referralReference: string }[]).find((e) => e.referralReference === 'REF-CONSOLE-0001')!;
    expect(opened).toBeDefined();
    secrets.push(opened.id);
    await assertPrivate(page, secrets);
    expect(await page.title()).toBe('Enquiry - MASH console');
    // The referral is read only when asked for: an audited read of its own.
    const referralReads = async () => (await readEvents(t.gateway.store, { limit: 10_000 })).filter((e) => e.operation === 'readReferral' && e.enquiry?.id === opened.id);
    await expect(page.getByTestId('referral').count()).resolves.toBe(0);
    expect(await referralReads()).toHaveLength(0);
    await page.getByRole('button', { name: 'Show referral' }).click();
    const referral = page.getByTestId('referral');
    await referral.waitFor();
    await expect(referral.innerText()).resolves.toContain('scared to go home');
    await expect(referral.innerText()).resolves.toContain('Northfield Primary School');
    await expect(referral.innerText()).resolves.toContain(concern.label);
    expect((await referralReads()).map((e) => ({ outcome: e.outcome, actor: e.actor?.id }))).toEqual([{ outcome: 'success', actor: 'demo-researcher' }]);
    await checkScreen(page, 'enquiry-new');

    // Search for the featured child: likely people with bands and reasons, each agency's answer.
    await page.getByRole('link', { name: 'Find people in every agency' }).first().click();
    await page.getByRole('heading', { name: 'Find people in every agency', level: 1 }).waitFor();
    await page.getByLabel('Family name').fill(child.family);
    await page.getByLabel('Given name').fill(child.given[0]!);
    const [year, month, day] = child.birthDate.split('-');
    await page.getByLabel('Day').fill(day!);
    await page.getByLabel('Month').fill(month!);
    await page.getByLabel('Year').fill(year!);
    await page.getByRole('button', { name: 'Search every agency' }).click();
    const results = page.getByTestId('search-results');
    await results.waitFor({ timeout: 60_000 });
    const agencies = page.getByTestId('search-agencies');
    await expect(agencies.locator('dt').allInnerTexts()).resolves.toHaveLength(5);
    const best = page.getByTestId('likely-person').first();
    await expect(best.locator('h3').innerText()).resolves.toMatch(/^Likely person P1 (certain|probable)/i);
    const reasons = await best.getByTestId('match-reasons').first().locator('li').allInnerTexts();
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) expect(reason).toMatch(/^(For|Against|Not compared): \S/);
    const bestRecords = await best.locator('section').count();
    expect(bestRecords).toBeGreaterThan(1);
    await expect(page.getByTestId('disclosed-under').innerText()).resolves.toContain('s47');
    await checkScreen(page, 'search-results');
    await assertPrivate(page, secrets);

    // One click links all of that person's agency records as one subject.
    await best.getByRole('button', { name: /Confirm this person/ }).click();
    await page.getByText(`Child 1 is now a subject of the enquiry, with ${bestRecords} agency records linked.`).waitFor();
    const afterLink = ((await t.graphql(ENQUIRIES, {}, token)).body.data.enquiries as { id: string; subjects: { id: string; label: string; relation: string; links: unknown[] }[] }[]).find((e) => e.id === opened.id)!;
    expect(afterLink.subjects).toHaveLength(1);
    expect(afterLink.subjects[0]!).toMatchObject({ label: 'Child 1', relation: 'CHILD' });
    expect(afterLink.subjects[0]!.links).toHaveLength(bestRecords);
    const childId = afterLink.subjects[0]!.id;
    secrets.push(childId);
    await expect(page.getByTestId('subjects').innerText()).resolves.toContain('Child 1 (child)');
    await checkScreen(page, 'enquiry-with-subject');
    await assertPrivate(page, secrets);

    // The profile: each of the five agencies' status in a tag and words, as the API answers it.
    const childTasks = page.getByRole('region', { name: /^Child 1/ });
    await childTasks.getByRole('link', { name: 'What each agency holds' }).click();
    await page.getByRole('heading', { name: 'What each agency holds', level: 1 }).waitFor();
    await page.getByTestId('profile-agency-health').waitFor({ timeout: 60_000 });
    const expected = (await t.graphql(PROFILE_STATUSES, { enquiryId: opened.id, subjectId: childId }, token)).body.data.profile.agencies as { agency: string; status: string }[];
    expect(expected.map((a) => a.agency).sort()).toEqual([...AGENCIES].sort());
    for (const { agency, status } of expected) {
      await expect(page.getByTestId(`profile-agency-${agency}`).getByTestId('agency-status').innerText()).resolves.toBe(STATUS_WORDS[status]);
    }
    expect(expected.some((a) => a.status === 'RECORDS')).toBe(true);
    await expect(page.getByTestId('disclosed-under').innerText()).resolves.toMatch(/s47.*policy /);
    // The legal basis is a link to the legislation the enquiry relies on.
    const legalBasis = (await t.graphql('query($id: ID!) { enquiry(id: $id) { legalBasis } }', { id: opened.id }, token)).body.data.enquiry.legalBasis as string;
    expect(legalBasis).toMatch(/^https:\/\/www\.legislation\.gov\.uk\//);
    const basisLink = page.getByTestId('disclosed-under').getByRole('link');
    await expect(basisLink.getAttribute('href')).resolves.toBe(legalBasis);
    await expect(basisLink.innerText()).resolves.toBe(`${legalBasis} (opens in new tab)`);
    await checkScreen(page, 'profile');
    await assertPrivate(page, secrets);

    // The household: confirm one adult with why they are relevant.
    await page.getByRole('link', { name: 'Back to the enquiry' }).click();
    await page.getByRole('region', { name: /^Child 1/ }).getByRole('link', { name: 'Household' }).click();
    await page.getByRole('heading', { name: 'Household', level: 1 }).waitFor();
    const adult = page.getByTestId('household-candidate').filter({ has: page.getByText(/\(adult\)/) }).first();
    await adult.waitFor({ timeout: 60_000 });
    await expect(page.getByTestId('household-agencies').locator('dt').count()).resolves.toBe(5);
    await checkScreen(page, 'household');
    const relevance = 'Lives with the child; police attended a domestic abuse call-out at the home';
    await adult.getByLabel('Why this adult is relevant to the child').fill(relevance);
    await adult.getByRole('button', { name: /Confirm as a subject/ }).click();
    await adult.getByTestId('candidate-confirmed').waitFor();
    await expect(adult.getByTestId('candidate-confirmed').innerText()).resolves.toContain(`Confirmed as Adult 1, a subject of the enquiry. Relevance recorded: ${relevance}`);
    const afterHousehold = ((await t.graphql(ENQUIRIES, {}, token)).body.data.enquiries as { id: string; subjects: { label: string; relation: string; relevance: string | null; links: unknown[] }[] }[]).find((e) => e.id === opened.id)!;
    const confirmedAdult = afterHousehold.subjects.find((s) => s.relation === 'ADULT');
    expect(confirmedAdult).toMatchObject({ label: 'Adult 1', relevance });
    expect(confirmedAdult!.links.length).toBe(await adult.locator('dd ul li').count());
    // One click, one step: the adult's records, relation, label and relevance in one audited link.
    const links = (await readEvents(t.gateway.store, { limit: 10_000 })).filter((e) => e.enquiry?.id === opened.id && ['linkPerson', 'linkSubject', 'recordRelevance'].includes(e.operation));
    expect(links.map((e) => e.operation)).toEqual(['linkPerson', 'linkPerson']);
    expect(links[1]!.reason).toContain('household candidate');
    await checkScreen(page, 'household-confirmed');
    await assertPrivate(page, secrets);
    expect(problems).toEqual([]);
    await close();
  }, 300_000);

  it('says so when a screen is opened without its enquiry (after a reload), and links back to the queue', async () => {
    const { page, close } = await openConsole(browser, t.gateway.url);
    await page.goto('/profile');
    await signInAs(page, 'MASH researcher');
    await page.getByRole('heading', { name: 'Choose an enquiry first', level: 1 }).waitFor();
    await expect(page.getByRole('main').getByRole('link', { name: 'triage queue', exact: true }).count()).resolves.toBe(1);
    await checkScreen(page, 'profile-without-enquiry');
    await close();
  }, 120_000);
});
