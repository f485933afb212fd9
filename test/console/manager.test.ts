/// <reference lib="dom" />
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ISSUER } from '../../gateway/auth/index.js';
import { createSearchShownRepository } from '../../gateway/enquiries/index.js';
import { enquiryInput, LINK, OPEN_ENQUIRY, PROFILE, SEARCH, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { police, POLICE_PERSON } from '../helpers/test-police.js';
import { checkScreen, launchBrowser, openConsole, signInAs } from './browser.js';

/**
 * The manager's, the agency reviewer's and everyone's notification screens, driven in Chromium:
 * what is prepared through the API (as the demo users) is then worked through the screens, and the
 * result checked through the API again.
 */

const DEMO = {
  researcher: { sub: 'demo-researcher', name: 'Demo Researcher', agency: 'social-care', roles: ['mash-researcher'] },
  manager: { sub: 'demo-manager', name: 'Demo Manager', agency: 'social-care', roles: ['mash-manager'] },
  duty: { sub: 'demo-out-of-hours', name: 'Demo Duty Worker', agency: 'social-care', roles: ['out-of-hours'] },
  reviewer: { sub: 'demo-police-reviewer', name: 'Demo Police Reviewer', agency: 'police', roles: ['agency-reviewer'] },
};

const REFERRAL_TEXT = 'Teacher saw a bruise on the arm and the child said they were scared to go home.';
const ENQUIRY = 'query($id: ID!) { enquiry(id: $id) { purpose assignee { id issuer } purposeChanges { toPurpose reason } } }';

describe('manager, reviewer and notification screens', () => {
  let t: TestGateway;
  let browser: Browser;
  const tokens: Record<keyof typeof DEMO, string> = { researcher: '', manager: '', duty: '', reviewer: '' };

  async function api(who: keyof typeof DEMO, query: string, variables: Record<string, unknown> = {}) {
    const answer = await t.graphql(query, variables, tokens[who]);
    expect(answer.body.errors, JSON.stringify(answer.body.errors)).toBeUndefined();
    return answer.body.data;
  }
  const open = async (who: keyof typeof DEMO, input: Record<string, unknown>) => (await api(who, OPEN_ENQUIRY, { input: enquiryInput(input) })).openEnquiry.id as string;
  const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name, exact: true }).click();

  beforeAll(async () => {
    t = await startTestGateway({ extraConnectors: [police], households: 20 });
    browser = await launchBrowser();
    for (const key of Object.keys(DEMO) as (keyof typeof DEMO)[]) {
      tokens[key] = await t.gateway.demoIssuer!.sign(DEMO[key]);
      await api(key, '{ me { id } }'); // signed in once: a known actor
    }
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('the manager assigns a researcher’s enquiry from the team queue, extends its deadline and reads its referral; the researcher is told', async () => {
    const enquiryId = await open('researcher', { referralReference: 'REF-ASSIGN-1', rag: 'AMBER', referralText: REFERRAL_TEXT });
    const { page, problems, close } = await openConsole(browser, t.gateway.url);
    await signInAs(page, 'MASH manager');
    await nav(page, 'Team queue');
    await page.getByRole('heading', { name: 'Team queue', level: 1 }).waitFor();
    const row = page.getByTestId('team-queue-table').getByRole('row').filter({ hasText: 'REF-ASSIGN-1' });
    await expect(row.getByTestId('assignee').innerText()).resolves.toBe('Unassigned');
    await checkScreen(page, 'manager-team-queue');

    // Assign: nothing entered is refused in the form, naming the field.
    await row.getByRole('button', { name: 'Assign REF-ASSIGN-1' }).click();
    await page.getByRole('heading', { name: 'Assign REF-ASSIGN-1' }).waitFor();
    await page.getByRole('button', { name: 'Assign enquiry' }).click();
    await page.locator('.govuk-error-summary').getByRole('link', { name: "Enter the researcher's user id" }).waitFor();
    await checkScreen(page, 'manager-assign-error');
    // Someone who never signed in is the gateway's refusal, shown against the field.
    await page.getByLabel("Researcher's user id").fill('nobody-signed-in');
    await page.getByRole('button', { name: 'Assign enquiry' }).click();
    await page.locator('#assign-actor-error').waitFor();
    await page.getByLabel("Researcher's user id").fill('demo-researcher');
    await page.getByRole('button', { name: 'Assign enquiry' }).click();
    await page.getByText('REF-ASSIGN-1 is assigned to Demo Researcher (demo-researcher).').waitFor();
    await expect.poll(() => row.getByTestId('assignee').innerText()).toBe('Demo Researcher (demo-researcher)');
    expect((await api('researcher', ENQUIRY, { id: enquiryId })).enquiry.assignee).toEqual({ id: 'demo-researcher', issuer: DEMO_ISSUER });
    // Reassigning asks for a handover note.
    await row.getByRole('button', { name: 'Reassign REF-ASSIGN-1' }).click();
    await page.getByLabel("Researcher's user id").fill('demo-manager');
    await page.getByRole('button', { name: 'Reassign enquiry' }).click();
    await page.locator('.govuk-error-summary').getByRole('link', { name: /Enter a handover note/ }).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();

    // Extend the deadline: not later is refused in the form; a later one with a reason is recorded.
    await row.getByRole('button', { name: 'Extend deadline of REF-ASSIGN-1' }).click();
    await page.getByLabel('Reason').fill('Awaiting the school nurse on Monday');
    await page.getByRole('button', { name: 'Extend deadline', exact: true }).click();
    await page.locator('.govuk-error-summary').getByRole('link', { name: /must be later than the current one/ }).waitFor();
    const current = await page.getByLabel('New deadline').inputValue();
    const later = new Date(new Date(current).getTime() + 2 * 3600_000);
    const pad = (n: number) => String(n).padStart(2, '0');
    await page.getByLabel('New deadline').fill(`${later.getFullYear()}-${pad(later.getMonth() + 1)}-${pad(later.getDate())}T${pad(later.getHours())}:${pad(later.getMinutes())}`);
    await checkScreen(page, 'manager-extend-deadline');
    await page.getByRole('button', { name: 'Extend deadline', exact: true }).click();
    await page.getByText(/REF-ASSIGN-1 is now due /).waitFor();
    const changes = (await api('researcher', 'query($id: ID!) { enquiry(id: $id) { deadline deadlineChanges { to reason changedBy { id } } } }', { id: enquiryId })).enquiry;
    expect(changes.deadlineChanges).toEqual([{ to: later.toISOString(), reason: 'Awaiting the school nurse on Monday', changedBy: { id: 'demo-manager' } }]);
    expect(changes.deadline).toBe(later.toISOString());

    // The referral is behind a button: nothing of it shows until asked, then it is read (audited).
    await row.getByRole('button', { name: 'Read referral of REF-ASSIGN-1' }).click();
    await expect(page.getByText(REFERRAL_TEXT).count()).resolves.toBe(0);
    await page.getByText(/recorded in the audit log under your name, flagged/).waitFor();
    await page.getByRole('button', { name: 'Show the referral' }).click();
    await expect(page.getByTestId('referral-text').innerText()).resolves.toBe(REFERRAL_TEXT);
    await checkScreen(page, 'manager-referral');
    expect(new URL(page.url()).pathname).toBe('/team-queue');
    expect(await page.title()).toBe('Team queue - MASH console');
    expect(problems).toEqual([]);
    await close();

    // The researcher finds the assignment in their notifications, unread, and marks it read.
    const researcher = await openConsole(browser, t.gateway.url);
    await signInAs(researcher.page, 'MASH researcher');
    await nav(researcher.page, 'Notifications');
    const item = researcher.page.getByTestId('notification').filter({ hasText: 'REF-ASSIGN-1' });
    await expect(item.innerText()).resolves.toMatch(/Unread\s+Enquiry assigned to you/);
    await checkScreen(researcher.page, 'notifications-researcher');
    await item.getByRole('button', { name: /^Mark as read/ }).click();
    await expect.poll(() => item.innerText()).toMatch(/^Read\s+Enquiry assigned to you/);
    await researcher.close();
  });

  it('a police reviewer sees the review request in notifications, cannot refuse without a reason, and approves it through Review requests', async () => {
    const enquiryId = await open('researcher', { referralReference: 'REF-REVIEW-1' });
    const nhsNumber = t.gateway.sandbox!.county.featured.child.nhsNumber;
    const search = await api('researcher', SEARCH, { enquiryId, query: { nhsNumber } });
    const personId = search.searchPeople.agencies.find((a: any) => a.agency === 'health').people[0].personId;
    const subjectId = (await api('researcher', LINK, { input: { enquiryId, agency: 'health', personId } })).linkSubject.id;
    // The test force's search finds no one: its person is recorded as shown by the search directly.
    await createSearchShownRepository(t.gateway.store).record(enquiryId, [{ agency: 'police', personId: POLICE_PERSON }], { auditEventId: search.searchPeople.auditEventId, actorId: 'demo-researcher', issuer: DEMO_ISSUER }, new Date());
    await api('researcher', LINK, { input: { enquiryId, subjectId, agency: 'police', personId: POLICE_PERSON } });
    await api('researcher', PROFILE, { enquiryId, subjectId }); // under s47 police detail waits for the force's approval

    const { page, problems, close } = await openConsole(browser, t.gateway.url);
    await signInAs(page, 'Police reviewer');
    await nav(page, 'Notifications');
    const item = page.getByTestId('notification').filter({ hasText: 'REF-REVIEW-1' });
    await expect(item.innerText()).resolves.toMatch(/Unread\s+Review requested[\s\S]*A review of police\.detail about Child 1 in enquiry REF-REVIEW-1 is waiting\./);
    await checkScreen(page, 'notifications-reviewer');
    await item.getByRole('link', { name: /Go to review requests/ }).click();
    await page.getByRole('heading', { name: 'Review requests', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/reviews');
    const card = page.getByTestId('review-request').filter({ hasText: 'REF-REVIEW-1' });
    const asked = await card.innerText();
    expect(asked).toContain('Police detail (incident narratives, intelligence, investigations) for enquiry REF-REVIEW-1');
    expect(asked).toContain('s47');
    expect(asked).toContain('https://www.legislation.gov.uk/ukpga/1989/41/section/47');
    expect(asked).toContain('Demo Researcher, social-care');
    expect(asked).toContain(`Person ${POLICE_PERSON}`);
    await checkScreen(page, 'reviews');

    await card.getByRole('button', { name: 'See the records and decide on REF-REVIEW-1' }).click();
    await expect(card.getByTestId('review-records').locator('tbody th').allInnerTexts()).resolves.toEqual(['OCC-1-N']);
    await expect(card.getByTestId('review-records-status').innerText()).resolves.toMatch(/Records held/);
    await expect(card.getByTestId('disclosed-under').innerText()).resolves.toMatch(/s47/);
    // A refusal without a reason is refused in the form, naming the field; nothing is decided.
    await card.getByRole('button', { name: 'Refuse release' }).click();
    await page.locator('.govuk-error-summary').getByRole('link', { name: 'Enter why you refuse the release: the researcher is told' }).waitFor();
    await expect(page.locator('#refuse-reason-error').innerText()).resolves.toContain('Enter why you refuse the release');
    await checkScreen(page, 'reviews-refuse-error');
    expect((await api('reviewer', '{ reviewRequests(status: PENDING) { enquiryId } }')).reviewRequests.map((r: any) => r.enquiryId)).toContain(enquiryId);

    await card.getByLabel('Reason for approving (optional)').fill('Relevant to the strategy discussion');
    await card.getByRole('button', { name: 'Approve release' }).click();
    await page.getByText(/You approved the release of Police detail .* for REF-REVIEW-1\./).waitFor();
    const decided = page.getByTestId('decided-reviews').getByRole('row').filter({ hasText: 'REF-REVIEW-1' });
    await expect(decided.innerText()).resolves.toMatch(/Approved[\s\S]*Relevant to the strategy discussion/);
    const requests = (await api('reviewer', '{ reviewRequests { enquiryId status decisionReason decidedBy } }')).reviewRequests.filter((r: any) => r.enquiryId === enquiryId);
    expect(requests).toEqual([{ enquiryId, status: 'APPROVED', decisionReason: 'Relevant to the strategy discussion', decidedBy: 'demo-police-reviewer' }]);
    await checkScreen(page, 'reviews-decided');
    expect(problems).toEqual([]);
    await close();
  });

  it('the manager changes the purpose and signs off a recorded decision; four eyes refuses their own', async () => {
    const levels = (await api('researcher', '{ thresholdLevels { id outcomes } }')).thresholdLevels as { id: string; outcomes: string[] }[];
    const level = levels.find((l) => l.outcomes.includes('S17_ASSESSMENT'))!;
    const due = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    const RECORD = 'mutation($enquiryId: ID!, $input: RecordDecisionInput!) { recordDecision(enquiryId: $enquiryId, input: $input) { id } }';
    const decision = (rationale: string) => ({ level: level.id, outcome: 'S17_ASSESSMENT', rationale, nextSteps: [{ action: 'Assessment visit', owner: { teamName: 'Assessment team 2' }, due }] });
    const enquiryId = await open('researcher', { referralReference: 'REF-DECIDE-1', purpose: 'early-help' });
    const decisionId = (await api('researcher', RECORD, { enquiryId, input: decision('Needs assessment: repeated neglect concerns from school.') })).recordDecision.id;

    const { page, problems, close } = await openConsole(browser, t.gateway.url);
    await signInAs(page, 'MASH manager');
    await nav(page, 'Team queue');
    await page.getByRole('link', { name: /^REF-DECIDE-1\s*: manage purpose and decision$/ }).click();
    await page.getByRole('heading', { name: /Manage enquiry/, level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/manage-enquiry');
    expect(await page.title()).toBe('Manage enquiry - MASH console');
    const current = page.getByTestId('current-decision');
    await expect(current.innerText()).resolves.toMatch(/Awaiting sign-off[\s\S]*Needs assessment: repeated neglect concerns from school\.[\s\S]*Assessment visit/);

    // Not a member: the purpose is behind joining, which is flagged for review.
    await page.getByText('You are not a member of this enquiry').waitFor();
    await checkScreen(page, 'manage-enquiry-not-member');
    await page.getByLabel('Why you join').fill('Manager: purpose change after the strategy discussion');
    await page.getByRole('button', { name: 'Join the enquiry' }).click();
    await expect.poll(() => page.getByTestId('enquiry-purpose').innerText()).toBe('early-help');
    // The choices are the policy's purposes (the purposes query, in its order), less break-glass and the daily triage (no enquiry's purpose).
    const purposes = (await api('manager', '{ purposes { id label opensEnquiry } }')).purposes as { id: string; label: string; opensEnquiry: boolean }[];
    const choices = purposes.filter((p) => p.opensEnquiry && p.id !== 'emergency').map((p) => `${p.label} (${p.id})`);
    expect(choices.length).toBeGreaterThan(3);
    await expect.poll(() => page.getByLabel('New purpose').locator('option').allInnerTexts()).toEqual(['Choose a purpose', ...choices]);
    await page.getByRole('button', { name: 'Change purpose' }).click();
    await page.locator('.govuk-error-summary').getByRole('link', { name: 'Choose the new purpose' }).waitFor();
    await page.getByLabel('New purpose').selectOption('s47');
    await page.getByLabel('Reason', { exact: true }).fill('Strategy discussion held: s47 enquiry started');
    await page.getByRole('button', { name: 'Change purpose' }).click();
    await expect.poll(() => page.getByTestId('enquiry-purpose').innerText()).toBe('s47');
    await expect(page.getByTestId('purpose-history').innerText()).resolves.toMatch(/early-help\s+s47\s+Strategy discussion held: s47 enquiry started/);
    await checkScreen(page, 'manage-enquiry');

    await page.getByLabel('Comment (optional)').fill('Agreed: proceed to assessment.');
    await page.getByRole('button', { name: 'Sign off decision' }).click();
    await page.getByText('The decision is signed off.').waitFor();
    await expect.poll(() => current.innerText()).toMatch(/Signed off[\s\S]*Agreed: proceed to assessment\./);
    const after = (await api('manager', 'query($id: ID!) { mashDecisions(enquiryId: $id) { id status decidedBy signOffComment } }', { id: enquiryId })).mashDecisions;
    expect(after).toEqual([{ id: decisionId, status: 'SIGNED_OFF', decidedBy: 'demo-manager', signOffComment: 'Agreed: proceed to assessment.' }]);
    expect((await api('manager', ENQUIRY, { id: enquiryId })).enquiry.purposeChanges).toEqual([{ toPurpose: 's47', reason: 'Strategy discussion held: s47 enquiry started' }]);

    // Four eyes: a decision the manager recorded is refused, and the screen says why.
    const own = await open('researcher', { referralReference: 'REF-OWN-1' });
    await api('manager', 'mutation($id: ID!) { addEnquiryMember(enquiryId: $id, actorId: "demo-manager", issuer: "urn:mash-gateway:demo-issuer", reason: "Manager covering the duty desk") { id } }', { id: own });
    await api('manager', RECORD, { enquiryId: own, input: decision('Recorded by the manager covering the desk.') });
    await page.getByRole('link', { name: 'Back to the team queue' }).click();
    await page.getByRole('link', { name: /^REF-OWN-1\s*: manage purpose and decision$/ }).click();
    await page.getByTestId('current-decision').getByText('Recorded by the manager covering the desk.').waitFor();
    await page.getByRole('button', { name: 'Sign off decision' }).click();
    await page.getByRole('heading', { name: 'You cannot do this' }).waitFor();
    await page.getByText(/another MASH manager of the owning team must sign off it \(four eyes\)|four eyes/).first().waitFor();
    await checkScreen(page, 'manage-enquiry-four-eyes');
    await expect(page.getByTestId('current-decision').innerText()).resolves.toMatch(/Awaiting sign-off/);
    expect(problems).toEqual([]);
    await close();
  });

  it('the manager records a break-glass review; not justified needs a note', async () => {
    const justification = 'Child found alone at 02:00; police protection considered; need health history now.';
    const enquiryId = await open('duty', { referralReference: 'REF-BG-1', purpose: 'emergency', justification });
    const { page, problems, close } = await openConsole(browser, t.gateway.url);
    await signInAs(page, 'MASH manager');
    // The team's managers are told a review is due; the notification leads to the reviews.
    await nav(page, 'Notifications');
    const due = page.getByTestId('notification').filter({ hasText: 'Break-glass review due' });
    await expect(due.innerText()).resolves.toMatch(/to your team[\s\S]*Break-glass enquiry REF-BG-1 was opened by your team and is waiting for a manager's review\./);
    await due.getByRole('link', { name: /Go to break-glass reviews/ }).click();
    await page.getByRole('heading', { name: 'Break-glass reviews', level: 1 }).waitFor();
    const card = page.getByTestId('break-glass-awaiting').filter({ hasText: 'REF-BG-1' });
    await expect(card.innerText()).resolves.toMatch(new RegExp(`Demo Duty Worker \\(demo-out-of-hours\\)[\\s\\S]*${justification.replace(/[.?*+^$()|[\]\\]/g, '\\$&')}`));
    await checkScreen(page, 'break-glass');
    await card.getByRole('button', { name: 'Review REF-BG-1' }).click();
    await card.getByLabel('Not justified').check();
    await card.getByRole('button', { name: 'Record review' }).click();
    await page.locator('.govuk-error-summary').getByRole('link', { name: 'Enter why it was not justified' }).waitFor();
    await checkScreen(page, 'break-glass-error');
    await card.getByLabel('Note').fill('Could have waited for the morning: no immediate risk recorded.');
    await card.getByRole('button', { name: 'Record review' }).click();
    await page.getByText('Your review of REF-BG-1 is recorded.').waitFor();
    const reviewed = page.getByTestId('break-glass-reviewed').getByRole('row').filter({ hasText: 'REF-BG-1' });
    await expect(reviewed.innerText()).resolves.toMatch(/Not justified[\s\S]*Could have waited for the morning[\s\S]*Demo Manager \(demo-manager\)/);
    await expect(page.getByText('No break-glass enquiry is waiting for review.').isVisible()).resolves.toBe(true);
    await checkScreen(page, 'break-glass-reviewed');
    const list = (await api('manager', '{ breakGlassReviews { enquiryId status review { outcome note reviewedBy { id } } } }')).breakGlassReviews;
    expect(list).toEqual([{ enquiryId, status: 'REVIEWED', review: { outcome: 'NOT_JUSTIFIED', note: 'Could have waited for the morning: no immediate risk recorded.', reviewedBy: { id: 'demo-manager' } } }]);
    expect(problems).toEqual([]);
    await close();
  });

  it('a screen opened without its enquiry says so and links back; others’ screens are refused', async () => {
    const { page, close } = await openConsole(browser, t.gateway.url);
    await page.goto('/manage-enquiry');
    await signInAs(page, 'MASH manager');
    await page.getByText('The console does not know which enquiry to show').waitFor();
    await page.getByRole('link', { name: 'Choose an enquiry from the team queue' }).waitFor();
    await checkScreen(page, 'manage-enquiry-no-params');
    await close();
    const researcher = await openConsole(browser, t.gateway.url);
    await researcher.page.goto('/reviews');
    await signInAs(researcher.page, 'MASH researcher');
    await researcher.page.getByRole('heading', { name: 'You cannot use this screen', level: 1 }).waitFor();
    await researcher.close();
  });
});
