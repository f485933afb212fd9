/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataDirPublicKeys, readEvents, verifyAudit, verifyChain } from '../../gateway/audit/index.js';
import { DEMO_ISSUER, demoUsers } from '../../gateway/auth/index.js';
import { enquiryInput, OPEN_ENQUIRY, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { checkScreen, launchBrowser, openConsole, signInAs, type ConsolePage } from './browser.js';

/**
 * The researcher's Monday morning through the console's screens, with a manager and a police
 * reviewer in their own browsers, on the sandbox county with all five agencies: the manager
 * assigns the RED referral from the team queue; the researcher finds it at the top of the triage
 * queue, finds the featured child, confirms them in one click, confirms an adult of the household
 * with their relevance, reads the chronology, writes and exports the précis; the police reviewer
 * approves the held detail from their notifications; the researcher records the decision and the
 * manager signs it off. Every step is in the audit log under the person who took it, and the log
 * verifies. Each step's details are tested in the screens' own files; this is the whole day.
 */

const AGENCIES = ['health', 'police', 'education', 'housing', 'social-care'];
const RED = 'REF-MON-RED';
const users = Object.fromEntries(demoUsers().map((user) => [user.id, user]));

describe('Monday morning in the console', () => {
  let t: TestGateway;
  let browser: Browser;
  const opened: ConsolePage[] = [];

  beforeAll(async () => {
    // Agencies get longer than usual to answer: the flow is about the screens, not about time-outs.
    t = await startTestGateway({ agencies: AGENCIES, households: 30, agencyTimeoutMs: 10_000 });
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    for (const console of opened) await console.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
  }, 120_000);

  async function signedIn(label: string): Promise<Page> {
    const console = await openConsole(browser, t.gateway.url);
    opened.push(console);
    await signInAs(console.page, label);
    return console.page;
  }
  const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name, exact: true }).click();

  it('takes the RED referral from the queue to a signed-off decision, every step audited', async () => {
    const { child } = t.gateway.sandbox!.county.featured;
    const manager = users['manager']!;
    const managerToken = await t.gateway.demoIssuer!.sign({ sub: manager.sub, name: manager.name, agency: manager.agency, roles: manager.roles });
    // Intake: three referrals of mixed RAG, logged by the manager on the duty desk.
    const enquiryOf = new Map<string, string>();
    for (const [reference, rag] of [['REF-MON-GREEN', 'GREEN'], [RED, 'RED'], ['REF-MON-AMBER', 'AMBER']] as const) {
      const response = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ referralReference: reference, rag }) }, managerToken);
      expect(response.body.errors).toBeUndefined();
      enquiryOf.set(reference, response.body.data.openEnquiry.id);
    }
    const enquiryId = enquiryOf.get(RED)!;

    // The researcher signs in (so the gateway knows them); the manager assigns them the RED referral.
    const researcher = await signedIn('MASH researcher');
    const desk = await signedIn('MASH manager');
    await nav(desk, 'Team queue');
    const row = desk.getByTestId('team-queue-table').getByRole('row').filter({ hasText: RED });
    await row.getByRole('button', { name: `Assign ${RED}` }).click();
    await desk.getByLabel("Researcher's user id").fill(users['researcher']!.sub);
    await desk.getByRole('button', { name: 'Assign enquiry' }).click();
    await desk.getByText(`${RED} is assigned to Demo Researcher (demo-researcher).`).waitFor();
    await checkScreen(desk, 'monday-team-queue');

    // The triage queue, most urgent first; the RED referral opens its enquiry page.
    await nav(researcher, 'Triage queue');
    const queue = researcher.getByTestId('queue-table');
    await queue.waitFor();
    expect(await queue.locator('tbody th').allInnerTexts()).toEqual([RED, 'REF-MON-AMBER', 'REF-MON-GREEN']);
    await checkScreen(researcher, 'monday-queue');
    await queue.getByRole('link', { name: RED }).click();
    await researcher.getByRole('heading', { name: `Referral ${RED}`, level: 1 }).waitFor();

    // Search every agency for the child, and confirm the best likely person in one click.
    await researcher.getByRole('link', { name: 'Find people in every agency' }).first().click();
    await researcher.getByLabel('Family name').fill(child.family);
    await researcher.getByLabel('Given name').fill(child.given[0]!);
    const [year, month, day] = child.birthDate.split('-');
    await researcher.getByLabel('Day').fill(day!);
    await researcher.getByLabel('Month').fill(month!);
    await researcher.getByLabel('Year').fill(year!);
    await researcher.getByRole('button', { name: 'Search every agency' }).click();
    const best = researcher.getByTestId('likely-person').first();
    await best.waitFor({ timeout: 60_000 });
    expect(await best.locator('section').count()).toBe(AGENCIES.length);
    await checkScreen(researcher, 'monday-search');
    await best.getByRole('button', { name: /Confirm this person/ }).click();
    await researcher.getByText(`Child 1 is now a subject of the enquiry, with ${AGENCIES.length} agency records linked.`).waitFor();

    // The household: an adult confirmed with why they matter to the child.
    await researcher.getByRole('region', { name: /^Child 1/ }).getByRole('link', { name: 'Household' }).click();
    const adult = researcher.getByTestId('household-candidate').filter({ has: researcher.getByText(/\(adult\)/) }).first();
    await adult.waitFor({ timeout: 60_000 });
    await adult.getByLabel('Why this adult is relevant to the child').fill('Lives with the child; present at the domestic abuse call-out');
    await adult.getByRole('button', { name: /Confirm as a subject/ }).click();
    await adult.getByTestId('candidate-confirmed').waitFor();
    await checkScreen(researcher, 'monday-household');

    // The chronology: every agency's entries in date order, shared for s47.
    const openTask = async (task: string, subject?: string) => {
      await nav(researcher, 'Triage queue');
      await researcher.getByTestId('queue-table').getByRole('link', { name: RED }).click();
      await researcher.getByRole('heading', { name: `Referral ${RED}`, level: 1 }).waitFor();
      const scope = subject ? researcher.getByRole('region', { name: new RegExp(`^${subject}`) }) : researcher.locator('ul.govuk-task-list').first();
      await scope.getByRole('link', { name: task, exact: true }).click();
    };
    await openTask('Chronology', 'Child 1');
    await researcher.getByRole('heading', { name: 'Chronology', level: 1 }).waitFor();
    await researcher.getByTestId('chronology-entry').first().waitFor({ timeout: 60_000 });
    const agenciesShown = new Set((await researcher.getByTestId('chronology-entry').allInnerTexts()).flatMap((text) => AGENCIES.filter((agency) => text.toLowerCase().includes(agency))));
    expect(agenciesShown.size).toBeGreaterThan(2);
    await expect(researcher.getByTestId('disclosed-under').innerText()).resolves.toMatch(/s47/);
    await checkScreen(researcher, 'monday-chronology');

    // The précis: a fresh draft, the analysis written, saved, exported as PDF.
    await openTask('Précis');
    await expect(researcher.getByTestId('precis-origin').innerText({ timeout: 60_000 })).resolves.toMatch(/^A fresh draft/);
    // The child labelled 'Child 1' is headed 'Child 1' once; dates read as in England, not as ISO timestamps.
    const headings = (await researcher.getByTestId('precis-section').locator('h2').allInnerTexts()).map((h) => h.trim());
    expect(headings).toContain('Child 1');
    expect(headings.filter((h) => /Child 1: Child 1/.test(h))).toEqual([]);
    const enquirySection = researcher.getByTestId('precis-section').filter({ has: researcher.getByRole('heading', { name: 'The enquiry and referral' }) });
    await expect(enquirySection.locator('textarea').first().inputValue()).resolves.toMatch(/decision due by \d{1,2} [A-Z][a-z]+ \d{4}, \d{2}:\d{2}\./);
    const analysis = 'Police and health describe the same night. A strategy discussion is needed today.';
    await researcher.getByLabel('Your analysis: Analysis and recommendation').fill(analysis);
    await researcher.getByRole('button', { name: 'Save as a new version' }).click();
    await researcher.getByText('The précis is saved as version 1.').waitFor();
    const [download] = await Promise.all([researcher.waitForEvent('download'), researcher.getByRole('button', { name: 'PDF of version 1' }).click()]);
    expect(readFileSync((await download.path())!).subarray(0, 4).toString('latin1')).toBe('%PDF');
    await checkScreen(researcher, 'monday-precis');

    // The police reviewer is told, and approves the held detail from Review requests.
    const force = await signedIn('Police reviewer');
    await nav(force, 'Notifications');
    const told = force.getByTestId('notification').filter({ hasText: RED }).first();
    await expect(told.innerText()).resolves.toMatch(/Review requested/);
    await told.getByRole('link', { name: /Go to review requests/ }).click();
    await force.getByRole('heading', { name: 'Review requests', level: 1 }).waitFor();
    const pending = force.getByTestId('review-request').filter({ hasText: RED });
    await pending.first().waitFor({ timeout: 60_000 });
    const requests = await pending.count();
    expect(requests).toBeGreaterThan(0);
    for (let approved = 0; approved < requests; approved++) {
      const card = pending.first();
      await card.getByRole('button', { name: `See the records and decide on ${RED}` }).click();
      await card.getByLabel('Reason for approving (optional)').fill('Relevant to the strategy discussion');
      await card.getByRole('button', { name: 'Approve release' }).click();
      await force.getByText(new RegExp(`You approved the release of .* for ${RED}\\.`)).waitFor();
      await expect.poll(() => pending.count()).toBe(requests - approved - 1);
    }
    await checkScreen(force, 'monday-reviews');

    // The researcher records the decision; the manager signs it off.
    await openTask('MASH decision');
    await researcher.getByLabel('Level 4: child protection (s47)').check();
    await researcher.getByLabel('Strategy discussion (s47)').check();
    await researcher.getByLabel('Rationale').fill(analysis);
    await researcher.getByLabel('What is to be done').fill('Convene a strategy discussion');
    await researcher.getByLabel('Team', { exact: true }).fill('MASH team');
    await researcher.getByLabel('By when').fill(new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10));
    await researcher.getByRole('button', { name: 'Record the decision' }).click();
    await researcher.getByText('Decision 1 is recorded. It now waits for a MASH manager’s sign-off.').waitFor();
    await checkScreen(researcher, 'monday-decision');

    await nav(desk, 'Team queue');
    await desk.getByRole('link', { name: new RegExp(`^${RED}\\s*: manage purpose and decision$`) }).click();
    await desk.getByTestId('current-decision').getByText(analysis).waitFor();
    await desk.getByLabel('Comment (optional)').fill('Agreed: strategy discussion today.');
    await desk.getByRole('button', { name: 'Sign off decision' }).click();
    await desk.getByText('The decision is signed off.').waitFor();
    await checkScreen(desk, 'monday-signed-off');

    // Nothing in any address bar but a screen's name.
    for (const console of opened) {
      const url = new URL(console.page.url());
      expect(url.search + url.hash).toBe('');
      expect(console.page.url()).not.toContain(enquiryId);
      expect(console.page.url().toLowerCase()).not.toContain(child.family.toLowerCase());
      expect(console.problems).toEqual([]);
    }

    // Every step is in the audit log under the person who took it; nothing was refused; the log verifies.
    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    const by = (operation: string, who: string) => {
      const user = users[who]!;
      const found = events.filter((e) => e.operation === operation && e.outcome === 'success' && (e.enquiry?.id === enquiryId || operation === 'reviewRequests' || operation === 'enquiryQueue'));
      expect(found.length, `${operation} by ${who}`).toBeGreaterThan(0);
      expect(found.some((e) => e.actor?.id === user.sub && e.actor?.issuer === DEMO_ISSUER), `${operation} by ${who}`).toBe(true);
    };
    by('assignEnquiry', 'manager');
    by('enquiryQueue', 'researcher');
    by('searchPeople', 'researcher');
    by('linkPerson', 'researcher');
    by('household', 'researcher');
    by('chronology', 'researcher');
    by('savePrecis', 'researcher');
    by('exportPrecis', 'researcher');
    by('reviewRequests', 'police-reviewer');
    by('approveReview', 'police-reviewer');
    by('recordDecision', 'researcher');
    by('signOffDecision', 'manager');
    expect(events.filter((e) => e.enquiry?.id === enquiryId && e.outcome !== 'success').map((e) => `${e.operation} ${e.outcome}`)).toEqual([]);
    expect(await verifyChain(t.gateway.store)).toMatchObject({ ok: true });
    await t.gateway.audit.checkpoint();
    expect(await verifyAudit(t.gateway.store, { publicKeys: await readDataDirPublicKeys(t.config.dataDir) })).toMatchObject({ ok: true });
  }, 600_000);
});
