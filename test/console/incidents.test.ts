/// <reference lib="dom" />
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCounty, type PoliceIncidentSpec } from '../../sandbox/index.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { checkScreen, launchBrowser, openConsole, signInAs, type ConsolePage } from './browser.js';

/**
 * The incident screens in Chromium against a real gateway: the sandbox's police force records a
 * domestic-abuse incident overnight at the featured household (the child at school, the baby too
 * young for one), the gateway reads the force's incident feed and runs Operation Encompass, and
 * then the MASH's daily meeting, the exceptions list, the school DSL's notifications, IG's history
 * and the feeds' status are worked through the screens and checked through the API.
 */

const SEED = 7;
const HOUSEHOLDS = 12;
/** Thursday 3 December 2026, 07:00 in London: before the school day's send-by time (08:30). */
const MORNING = new Date('2026-12-03T07:00:00Z');
const MEETING_DATE = '2026-12-03';
const KEY_ADULT = { name: 'Dana Lead', email: 'dsl@featured-school.sch.example', phone: '01632 960 001' };

const DEMO = {
  researcher: { sub: 'demo-researcher', name: 'Demo Researcher', agency: 'social-care', roles: ['mash-researcher'] },
  manager: { sub: 'demo-manager', name: 'Demo Manager', agency: 'social-care', roles: ['mash-manager'] },
  ig: { sub: 'demo-ig-officer', name: 'Demo IG Officer', agency: 'local-authority', roles: ['ig-officer'] },
};

describe('incident screens: the daily DA meeting and Operation Encompass', () => {
  let t: TestGateway;
  let browser: Browser;
  let clock = MORNING;
  let laestab: string;
  let reference: string;
  let childPoliceId: string;
  const tokens: Record<string, string> = {};

  async function api(who: string, query: string, variables: Record<string, unknown> = {}) {
    const answer = await t.graphql(query, variables, tokens[who]);
    expect(answer.body.errors, JSON.stringify(answer.body.errors)).toBeUndefined();
    return answer.body.data;
  }
  const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name, exact: true }).click();
  /** The meeting on the test's date (the browser's own today may be any day). */
  async function showMeeting(page: Page) {
    await nav(page, 'Daily DA meeting');
    await page.getByRole('heading', { name: 'Daily domestic-abuse meeting', level: 1 }).waitFor();
    await page.getByLabel('Meeting date').fill(MEETING_DATE);
    await page.getByRole('button', { name: 'Show the list' }).click();
    await page.getByTestId('meeting-summary').filter({ hasText: '3 Dec 2026' }).waitFor();
  }

  beforeAll(async () => {
    // The county is the sandbox's (same seed and size): its featured child's school is the demo DSL's.
    const county = generateCounty({ seed: SEED, households: HOUSEHOLDS });
    const { child } = county.featured;
    const school = county.views.education.schools.find((candidate) => candidate.schoolId === child.schoolId)!;
    laestab = school.laEstab;
    t = await startTestGateway({
      agencies: ['police', 'education', 'social-care', 'health'],
      households: HOUSEHOLDS,
      now: () => clock,
      document: {
        incidents: { pollEverySeconds: 0 },
        encompass: { workEverySeconds: 0, schools: [{ laestab, name: school.name, keyAdult: KEY_ADULT }] },
      },
    });
    browser = await launchBrowser();
    for (const [key, claims] of Object.entries(DEMO)) {
      tokens[key] = await t.gateway.demoIssuer!.sign(claims);
      await api(key, '{ me { id } }');
    }
    tokens.dsl = await t.gateway.demoIssuer!.sign({ sub: 'demo-school-dsl', name: 'Demo School Lead', agency: 'education', roles: ['school-dsl'], school: laestab });

    // Overnight at the featured household: the mother the victim, her partner the suspect, the
    // child and the baby present.
    const sandbox = t.gateway.sandbox!;
    const featured = sandbox.county.featured;
    const address = sandbox.county.addressesById.get(sandbox.county.householdsById.get(featured.householdId)!.addressId)!;
    const nominal = (person: typeof featured.child, role: PoliceIncidentSpec['persons'][number]['role']): PoliceIncidentSpec['persons'][number] => {
      const known = sandbox.county.views.police.policePersonIdByPersonId.get(person.id);
      return known
        ? { role, personId: known }
        : { role, newPerson: { forenames: [...person.given], surname: person.family, dateOfBirth: person.birthDate, sex: person.sex === 'female' ? 'F' : 'M', truePersonId: person.id } };
    };
    const recorded = sandbox.police.recordIncident({
      occurredAt: '2026-12-02T22:40:00Z',
      recordedAt: '2026-12-02T23:35:00Z',
      riskLevel: 'high',
      childrenPresent: true,
      location: { uprn: address.uprn, line1: address.line1, postcode: address.postcode, city: address.city },
      persons: [nominal(featured.parent, 'victim'), nominal(featured.partner, 'suspect'), nominal(featured.child, 'child-present'), nominal(featured.sibling, 'child-present')],
    });
    reference = recorded.id;
    childPoliceId = recorded.persons[2]!.personId;
    await t.gateway.incidents.pollOnce();
    await t.gateway.encompass.runOnce(clock);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function signedIn(label: string): Promise<ConsolePage> {
    const page = await openConsole(browser, t.gateway.url);
    await signInAs(page.page, label);
    return page;
  }

  it('the daily meeting lists the household with its risk, incident, adults and children; an outcome is recorded', async () => {
    const { page, problems, close } = await signedIn('MASH researcher');
    await showMeeting(page);
    const household = page.getByTestId('triage-household').filter({ hasText: reference });
    await expect(household.locator('.govuk-summary-card__title-wrapper').innerText()).resolves.toMatch(/Household T\d+\s+High risk/);
    const incident = household.getByTestId('triage-incident').filter({ hasText: reference });
    const text = await incident.innerText();
    expect(text).toContain('2 Dec 2026, 22:40');
    expect(text).toMatch(/Children present\s+Yes/);
    expect(text).toMatch(/Outcome\s+Not recorded yet/);
    await expect(household.getByTestId('household-adults').locator('tbody tr').count()).resolves.toBe(2);
    const children = household.getByTestId('triage-child');
    await expect(children.count()).resolves.toBe(2);
    // Every agency answered for each child: a band tag or "no likely record" per agency.
    for (const bands of await children.getByTestId('child-bands').allInnerTexts()) {
      for (const agency of ['police', 'education', 'social-care', 'health']) expect(bands).toMatch(new RegExp(`${agency}: (certain|probable|possible) match|${agency}: no likely record`));
    }
    // Operation Encompass ran before the meeting: the child's school was told; the baby has none.
    const encompass = await children.getByTestId('child-encompass').allInnerTexts();
    expect(encompass.filter((status) => /^Sent to the school .*, sent 3 Dec 2026, 07:00$/.test(status.trim()) && status.includes(reference))).toHaveLength(1);
    expect(encompass.filter((status) => status.includes('Exception: see the exceptions list'))).toHaveLength(1);
    await expect(page.getByTestId('disclosed-under').innerText()).resolves.toContain('domestic-abuse-triage');
    await checkScreen(page, 'incidents-da-meeting');

    // Record outcome: nothing chosen is refused in the form, against its fields.
    await incident.getByRole('button', { name: `Record outcome for incident ${reference}` }).click();
    await page.getByRole('button', { name: 'Record the outcome' }).click();
    await page.locator('.govuk-error-summary').getByRole('link', { name: 'Choose the meeting’s outcome' }).waitFor();
    await page.locator('.govuk-error-summary').getByRole('link', { name: /Enter why/ }).waitFor();
    await checkScreen(page, 'incidents-outcome-error');
    await incident.getByLabel('Operation Encompass only').check();
    await incident.getByLabel('Reason').fill('Standard follow-up: the school is told; no other agency action.');
    await expect(incident.getByText(/You have \d+ characters remaining/).first().innerText()).resolves.toMatch(/You have \d+ characters remaining/);
    await page.getByRole('button', { name: 'Record the outcome' }).click();
    await page.getByText(`Outcome for incident ${reference} recorded: Operation Encompass only.`).waitFor();
    await expect(incident.getByTestId('incident-outcome').innerText()).resolves.toMatch(/Operation Encompass only: Standard follow-up[\s\S]*Demo Researcher/);
    await checkScreen(page, 'incidents-outcome-recorded');
    expect(new URL(page.url()).pathname).toBe('/da-meeting');
    expect(await page.title()).toBe('Daily domestic-abuse meeting - MASH console');
    expect(problems).toEqual([]);
    await close();

    // The API has it: the current outcome of the incident.
    const meeting = await api('manager', 'query($date: String!) { domesticAbuseTriage(date: $date) { households { incidents { reference outcome { outcome reason recordedBy { id } } } } } }', { date: MEETING_DATE });
    const listed = meeting.domesticAbuseTriage.households.flatMap((h: any) => h.incidents).find((i: any) => i.reference === reference);
    expect(listed.outcome).toEqual({ outcome: 'ENCOMPASS_ONLY', reason: 'Standard follow-up: the school is told; no other agency action.', recordedBy: { id: 'demo-researcher' } });
  });

  it('a manager opens an enquiry from the incident and lands on it', async () => {
    const { page, problems, close } = await signedIn('MASH manager');
    await showMeeting(page);
    const incident = page.getByTestId('triage-incident').filter({ hasText: reference });
    await incident.getByRole('button', { name: `Open an enquiry from incident ${reference}` }).click();
    await incident.getByLabel('Referral reference').fill('MASH-DA-0001');
    await incident.getByLabel('Red', { exact: true }).check();
    await incident.getByLabel(/^Section 47/).check();
    await incident.getByLabel('No, or not asked').check();
    await incident.getByLabel('Why an enquiry is opened').fill('High risk, children present, second incident this year: strategy discussion needed.');
    await checkScreen(page, 'incidents-open-enquiry');
    await incident.getByRole('button', { name: 'Open the enquiry' }).click();
    await page.getByRole('heading', { name: 'Referral MASH-DA-0001', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/enquiry');
    expect(problems).toEqual([]);
    await close();

    const enquiries = await api('manager', '{ enquiries { id referralReference sourceIncident { reference outcome { outcome } } } }');
    const opened = enquiries.enquiries.find((e: any) => e.referralReference === 'MASH-DA-0001');
    expect(opened.sourceIncident).toEqual({ reference, outcome: { outcome: 'MASH_ENQUIRY' } });
  });

  it('the school DSL finds the notification from home and the inbox, reads exactly what was sent and acknowledges it', async () => {
    const { page, problems, close } = await signedIn('School designated safeguarding lead');
    await checkScreen(page, 'incidents-dsl-home');
    await nav(page, 'Notifications');
    const item = page.getByTestId('notification').filter({ hasText: 'Operation Encompass notification' }).first();
    await item.getByRole('link', { name: /Go to your Operation Encompass notifications/ }).click();
    await page.getByRole('heading', { name: 'Operation Encompass notifications', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/encompass');
    await page.getByTestId('encompass-waiting').waitFor();
    const row = page.getByTestId('encompass-row').first();
    await expect(row.innerText()).resolves.toMatch(/3 Dec 2026[\s\S]*Not acknowledged/);
    await checkScreen(page, 'incidents-dsl-list');
    await row.getByRole('link', { name: /^Read/ }).click();
    await page.getByTestId('encompass-fields').waitFor();
    expect(new URL(page.url()).pathname).toBe('/encompass-notification');
    expect(await page.title()).toBe('Operation Encompass notification - MASH console');

    // Exactly the fields the API says were sent, with its labels.
    const id = (await api('dsl', '{ encompassNotifications { items { id } } }')).encompassNotifications.items[0].id as string;
    const sent = (await api('dsl', 'query($id: ID!) { encompassNotification(id: $id) { fields { name label value } } }', { id })).encompassNotification.fields as { name: string; label: string; value: string }[];
    const shown = page.getByTestId('encompass-fields');
    await expect(shown.locator('dt').allInnerTexts()).resolves.toEqual(sent.map((f) => f.label));
    // The same values, with the time of the incident and the date of birth as London dates and the type in words.
    const london = (options: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'Europe/London', ...options });
    const readable = (f: { name: string; value: string }) =>
      f.name === 'start' ? london({ hour: '2-digit', minute: '2-digit' }).format(new Date(f.value)) : f.name === 'birthDate' ? london({}).format(new Date(`${f.value}T12:00:00Z`)) : f.name === 'type' ? 'Domestic abuse incident' : f.value;
    await expect(shown.locator('dd').allInnerTexts()).resolves.toEqual(sent.map(readable));
    expect(sent.find((f) => f.name === 'type')?.value).toBe('domestic-abuse-incident');
    await checkScreen(page, 'incidents-dsl-notification');
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await page.getByText('You have acknowledged this notification').waitFor();
    await expect(page.getByTestId('encompass-acknowledged').innerText()).resolves.toMatch(/Demo School Lead/);
    await expect(page.getByRole('button', { name: 'Acknowledge' }).count()).resolves.toBe(0);
    await checkScreen(page, 'incidents-dsl-acknowledged');
    expect(problems).toEqual([]);
    await close();

    const after = await api('dsl', 'query($id: ID!) { encompassNotification(id: $id) { acknowledgedAt acknowledgedBy { id } } }', { id });
    expect(after.encompassNotification.acknowledgedBy).toEqual({ id: 'demo-school-dsl' });
    expect(after.encompassNotification.acknowledgedAt).not.toBeNull();
  });

  it('the MASH resolves the exception for the baby, who has no school', async () => {
    const { page, problems, close } = await signedIn('MASH researcher');
    await nav(page, 'Encompass exceptions');
    await page.getByRole('heading', { name: 'Operation Encompass exceptions', level: 1 }).waitFor();
    const card = page.getByTestId('exception').filter({ hasText: reference }).first();
    await expect(card.innerText()).resolves.toMatch(/No school found for the child/);
    await checkScreen(page, 'incidents-exceptions');
    await card.getByRole('button', { name: /^Resolve/ }).click();
    await page.getByRole('button', { name: 'Resolve the exception' }).click();
    await page.locator('.govuk-error-summary').getByRole('link', { name: /Enter what was done/ }).waitFor();
    await card.getByLabel('What was done').fill('Under two: the health visitor is told instead, 08:10.');
    await page.getByRole('button', { name: 'Resolve the exception' }).click();
    await page.getByText(`The exception for incident ${reference} is resolved.`).waitFor();
    await checkScreen(page, 'incidents-exception-resolved');
    expect(problems).toEqual([]);
    await close();

    const all = await api('researcher', '{ encompassExceptions(includeResolved: true) { incidentReference resolution resolvedBy { id } } }');
    expect(all.encompassExceptions.filter((e: any) => e.incidentReference === reference && e.resolution)).toEqual([
      { incidentReference: reference, resolution: 'Under two: the health visitor is told instead, 08:10.', resolvedBy: { id: 'demo-researcher' } },
    ]);
  });

  it('IG reads the Operation Encompass history by school and by child, and the feeds’ status', async () => {
    const { page, problems, close } = await signedIn('Information governance officer');
    await nav(page, 'Encompass history');
    await page.getByRole('button', { name: 'Show the history' }).click();
    await page.locator('.govuk-error-summary').getByRole('link', { name: /LAESTAB/ }).waitFor();
    await page.getByLabel('School LAESTAB').fill(laestab);
    await page.getByRole('button', { name: 'Show the history' }).click();
    const table = page.getByTestId('encompass-history');
    const row = await table.locator('tbody tr').first().innerText();
    expect(row).toContain(reference);
    expect(row).toContain(KEY_ADULT.name);
    await checkScreen(page, 'incidents-ig-history');
    const records = (await api('ig', 'query($school: String) { encompassNotificationHistory(school: $school) { auditEventId } }', { school: laestab })).encompassNotificationHistory;
    await expect(table.locator('tbody tr code').allInnerTexts()).resolves.toEqual(records.map((r: any) => r.auditEventId));

    await page.getByLabel('Child (agency and person id)').check();
    await page.getByLabel('Agency', { exact: true }).fill('police');
    await page.getByLabel('Person id at that agency').fill(childPoliceId);
    await page.getByRole('button', { name: 'Show the history' }).click();
    await page.getByRole('heading', { name: `Notifications for police person ${childPoliceId}` }).waitFor();
    await expect(table.locator('tbody tr').count()).resolves.toBe(1);
    expect(new URL(page.url()).pathname).toBe('/ig/encompass');
    expect(page.url()).not.toContain(childPoliceId);

    await nav(page, 'Audit log integrity');
    const feeds = page.getByTestId('incident-feeds-table');
    await expect(feeds.locator('tbody tr').first().innerText()).resolves.toMatch(/^police\s+Working/);
    await checkScreen(page, 'incidents-ig-feeds');
    expect(problems).toEqual([]);
    await close();
  });
});
