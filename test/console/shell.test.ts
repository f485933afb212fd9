/// <reference lib="dom" />
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUsers } from '../../gateway/auth/index.js';
import { HTML_CONTENT_SECURITY_POLICY } from '../../gateway/http/headers.js';
import { enquiryInput, OPEN_ENQUIRY, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { checkScreen, launchBrowser, openConsole, screenshot, signInAs } from './browser.js';

/** What each demo role finds in the service navigation once signed in. */
const NAVIGATION: Record<string, string[]> = {
  'MASH researcher': ['Home', 'Notifications', 'Triage queue', 'My enquiries', 'Daily DA meeting', 'Encompass exceptions'],
  'MASH manager': ['Home', 'Notifications', 'Triage queue', 'My enquiries', 'Team queue', 'Break-glass reviews', 'Daily DA meeting', 'Encompass exceptions'],
  'Out-of-hours practitioner': ['Home', 'Notifications', 'Triage queue', 'My enquiries'],
  'School designated safeguarding lead': ['Home', 'Notifications', 'Operation Encompass'],
  'Police reviewer': ['Home', 'Notifications', 'Review requests'],
  'Information governance officer': ['Home', 'Notifications', 'Access log', 'Subject access', 'Anomalies', 'Audit log integrity', 'Policy explain', 'Encompass history'],
};

describe('the console shell: sign-in, navigation, timeout, refusals', () => {
  let t: TestGateway;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestGateway({ households: 20 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  }, 120_000);

  it('serves the console at / with a content security policy that allows no inline script or style', async () => {
    const response = await fetch(`${t.gateway.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy).toBe(HTML_CONTENT_SECURITY_POLICY);
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval/);
    const html = await response.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    expect(html).not.toMatch(/\sstyle=/);
    // A screen path a browser asks for answers with the same page; an API client gets a JSON 404.
    expect((await fetch(`${t.gateway.url}/queue`, { headers: { accept: 'text/html,*/*' } })).status).toBe(200);
    expect((await fetch(`${t.gateway.url}/queue`)).status).toBe(404);
    expect((await fetch(`${t.gateway.url}/assets/nothing-here.js`)).status).toBe(404);
    expect((await fetch(`${t.gateway.url}/../package.json`)).status).not.toBe(200);
    expect((await fetch(`${t.gateway.url}/%2e%2e/package.json`)).status).toBe(404);
  }, 120_000);

  it('hands out demo tokens only for the listed demo users, as JSON', async () => {
    const users = (await (await fetch(`${t.gateway.url}/console/demo-users`)).json()) as { users: { id: string }[] };
    expect(users.users.map((user) => user.id)).toEqual(demoUsers().map((user) => user.id));
    const unknown = await fetch(`${t.gateway.url}/console/demo-sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'root' }) });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { errors: { message: string }[] }).errors[0]!.message).toMatch(/No demo user "root"; choose one of researcher, manager/);
    // A cross-site form post (not JSON) is refused, so no other site can mint a token in a browser.
    const form = await fetch(`${t.gateway.url}/console/demo-sign-in`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'user=researcher' });
    expect(form.status).toBe(400);
    const ok = await fetch(`${t.gateway.url}/console/demo-sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'researcher' }) });
    const signedIn = (await ok.json()) as { token: string };
    const me = await t.graphql('{ me { id issuer roles } }', {}, signedIn.token);
    expect(me.body.data.me).toEqual({ id: 'demo-researcher', issuer: 'urn:mash-gateway:demo-issuer', roles: ['mash-researcher'] });
  }, 120_000);

  it('signs in as each demo role, showing that role its own screens; every screen passes axe-core', async () => {
    for (const [label, expected] of Object.entries(NAVIGATION)) {
      const console = await openConsole(browser, t.gateway.url);
      const { page } = console;
      if (label === 'MASH researcher') await checkScreen(page, 'sign-in');
      await signInAs(page, label);
      const nav = page.getByRole('navigation', { name: 'Menu' });
      const links = await nav.getByRole('link').allInnerTexts();
      expect(links.map((text) => text.trim().replace(/\s+/g, ' '))).toEqual([...expected, expect.stringMatching(/^Sign out/)]);
      await expect(page.getByText(/^Signed in as /).innerText()).resolves.toMatch(/Signed in as Demo/);
      await checkScreen(page, `home-${label.toLowerCase().replace(/[^a-z]+/g, '-')}`);
      expect(console.problems).toEqual([]);
      await console.close();
    }
  }, 120_000);

  it('shows the team queue most urgent first, with no personal data in the address or title', async () => {
    const token = await t.gateway.demoIssuer!.sign({ sub: 'demo-researcher', name: 'Demo Researcher', agency: 'social-care', roles: ['mash-researcher'] });
    for (const [reference, rag] of [['REF-GREEN', 'GREEN'], ['REF-RED', 'RED'], ['REF-AMBER', 'AMBER']] as const) {
      const opened = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ referralReference: reference, rag }) }, token);
      expect(opened.body.errors).toBeUndefined();
    }
    const { page, problems, close } = await openConsole(browser, t.gateway.url);
    await signInAs(page, 'MASH researcher');
    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Triage queue' }).click();
    await page.getByRole('heading', { name: 'Triage queue', level: 1 }).waitFor();
    const table = page.getByTestId('queue-table');
    await table.waitFor();
    const references = await table.locator('tbody th').allInnerTexts();
    expect(references).toEqual(['REF-RED', 'REF-AMBER', 'REF-GREEN']);
    await checkScreen(page, 'queue');
    // The filter row's three controls line up at the bottom: the two dropdowns and the checkbox.
    const bottoms = await Promise.all(['#queue-rag', '#queue-assignment', '.govuk-checkboxes__item:has(#queue-overdue)'].map(async (selector) => {
      const box = (await page.locator(selector).boundingBox())!;
      return box.y + box.height;
    }));
    expect(Math.max(...bottoms) - Math.min(...bottoms), JSON.stringify(bottoms)).toBeLessThanOrEqual(1);
    // Filters narrow the queue through the API.
    await page.getByLabel('RAG rating').selectOption('AMBER');
    await expect.poll(() => table.locator('tbody th').allInnerTexts()).toEqual(['REF-AMBER']);
    // An enquiry opens by a link whose address names the screen, not the enquiry.
    expect(new URL(page.url()).pathname).toBe('/queue');
    expect(await page.title()).toBe('Triage queue - MASH console');
    expect(problems).toEqual([]);
    await close();
  }, 120_000);

  it('refuses a screen of another role, in the console as the gateway would', async () => {
    const { page, close } = await openConsole(browser, t.gateway.url);
    await page.goto('/queue');
    await signInAs(page, 'Information governance officer');
    await page.getByRole('heading', { name: 'You cannot use this screen', level: 1 }).waitFor();
    await expect(page.getByText(/This screen is for the roles: mash-researcher, mash-manager, out-of-hours/).count()).resolves.toBe(1);
    await checkScreen(page, 'refused-screen');
    await close();
  }, 120_000);

  it('warns before the idle timeout, keeps the session when asked, and signs out when ignored', async () => {
    const { page, close } = await openConsole(browser, t.gateway.url);
    await page.clock.install();
    await page.reload();
    await signInAs(page, 'MASH researcher');
    // Default: 15 idle minutes, warning 2 minutes before.
    await page.clock.fastForward('13:10');
    const dialog = page.getByRole('dialog', { name: 'You will be signed out soon' });
    await dialog.waitFor();
    await checkScreen(page, 'timeout-warning');
    await dialog.getByRole('button', { name: 'Stay signed in' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.clock.fastForward('10:00');
    await expect(dialog.isVisible()).resolves.toBe(false);
    await page.clock.fastForward('06:00');
    await page.getByText('You were signed out because you did nothing for a while.').waitFor();
    await expect(page.getByRole('heading', { name: 'Sign in', level: 1 }).isVisible()).resolves.toBe(true);
    // The token went with the session: nothing about it is left in the browser's storage.
    const stored = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie }));
    expect(stored).toBe('{"local":{},"session":{},"cookie":""}');
    await close();
  }, 120_000);

  it('is usable at 320 px wide without scrolling sideways', async () => {
    const { page, close } = await openConsole(browser, t.gateway.url, { width: 320, height: 640 });
    await signInAs(page, 'MASH researcher');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'home-320px');
    await close();
  }, 120_000);

  it('is worked with the keyboard alone: sign in by tabbing and pressing keys', async () => {
    const { page, close } = await openConsole(browser, t.gateway.url);
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    // Tab to the first radio, arrow to the manager, then tab to the button and press Enter.
    const focusedLabel = () => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.labels?.[0]?.textContent ?? document.activeElement?.textContent ?? '');
    for (let presses = 0; presses < 10 && (await focusedLabel()) !== 'MASH researcher'; presses++) await page.keyboard.press('Tab');
    expect(await focusedLabel()).toBe('MASH researcher');
    await page.keyboard.press('ArrowDown');
    expect(await focusedLabel()).toBe('MASH manager');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByText('Signed in as Demo Manager').waitFor();
    await close();
  }, 120_000);
});
