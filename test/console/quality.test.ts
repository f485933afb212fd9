/// <reference lib="dom" />
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enquiryInput, OPEN_ENQUIRY, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { checkScreen, launchBrowser, openConsole, screenshot, signInAs, type ConsolePage } from './browser.js';

/**
 * What every screen of the console must do whatever it shows: quote the request id when the
 * gateway fails, break no content security policy rule, keep personal data out of the address bar
 * and the page title, fit a 320 px screen, and be worked with the keyboard with focus always seen.
 */

const RESEARCHER = { sub: 'demo-researcher', name: 'Demo Researcher', agency: 'social-care', roles: ['mash-researcher'] };
/** More than a page of the queue (25), so its "Next page" button is there too. */
const ENQUIRIES = 27;

/** Is the page wider than the window (it would scroll sideways)? */
const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/** Where the console is and what it calls it: the address and title as the browser holds them. */
const place = (page: Page) => page.evaluate(() => ({ url: location.href, title: document.title, state: JSON.stringify(history.state) }));

describe('the console: error ids, content security policy, personal data, small screens, keyboard', () => {
  let t: TestGateway;
  let browser: Browser;
  const references: string[] = [];
  const enquiryIds: string[] = [];
  const opened: ConsolePage[] = [];

  const open = async (options: { width?: number; height?: number } = {}) => {
    const console = await openConsole(browser, t.gateway.url, options);
    opened.push(console);
    return console;
  };

  beforeAll(async () => {
    t = await startTestGateway({ households: 20 });
    const token = await t.gateway.demoIssuer!.sign(RESEARCHER);
    for (let index = 0; index < ENQUIRIES; index++) {
      const reference = `REF-Q-${String(index).padStart(3, '0')}`;
      const answer = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ referralReference: reference, rag: ['RED', 'AMBER', 'GREEN'][index % 3] }) }, token);
      expect(answer.body.errors).toBeUndefined();
      references.push(reference);
      enquiryIds.push(answer.body.data.openEnquiry.id as string);
    }
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    // No page of this file broke the content security policy or threw.
    const problems = opened.flatMap((console) => console.problems);
    await browser?.close();
    await t?.close();
    expect(problems).toEqual([]);
  });

  it("shows the gateway's request id on a screen whose query failed", async () => {
    const { page, problems, close } = await open();
    await signInAs(page, 'MASH researcher');
    // The store loses a table the queue reads, as a failed migration or a dropped relation would.
    await t.gateway.store.query('ALTER TABLE enquiry_indicator_snapshot RENAME TO enquiry_indicator_snapshot_away');
    try {
      const answered = page.waitForResponse((response) => response.url().endsWith('/graphql') && response.request().postData()?.includes('ConsoleQueue') === true);
      await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Triage queue' }).click();
      const response = await answered;
      const requestId = response.headers()['x-request-id'];
      expect(requestId).toMatch(/\S{8,}/);
      const alert = page.getByRole('alert').filter({ hasText: 'There is a problem' });
      await alert.waitFor();
      await expect(alert.innerText()).resolves.toContain(`request id ${requestId}`);
      await expect(alert.innerText()).resolves.toContain('INTERNAL_ERROR');
      // The store's own words stay in the gateway.
      await expect(alert.innerText()).resolves.not.toMatch(/enquiry_indicator_snapshot|relation|SQL/i);
      await checkScreen(page, 'queue-error');
    } finally {
      await t.gateway.store.query('ALTER TABLE enquiry_indicator_snapshot_away RENAME TO enquiry_indicator_snapshot');
    }
    // Once the store is back, the screen answers again.
    await page.getByLabel('RAG rating').selectOption('RED');
    await page.getByTestId('queue-table').waitFor();
    expect(problems).toEqual([]);
    await close();
  });

  it('keeps personal data out of the address bar, the page title and the history across a short flow', async () => {
    const { page, problems, close } = await open();
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    const seen = [await place(page)];
    await signInAs(page, 'MASH researcher');
    seen.push(await place(page));
    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Triage queue' }).click();
    await page.getByTestId('queue-table').waitFor();
    seen.push(await place(page));
    await page.getByLabel('RAG rating').selectOption('AMBER');
    await expect.poll(() => page.getByTestId('queue-table').locator('tbody th').first().innerText()).toMatch(/^REF-Q-/);
    seen.push(await place(page));
    // Open an enquiry from the queue, then come back.
    await page.getByTestId('queue-table').locator('tbody th a').first().click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/enquiry');
    await page.getByRole('heading', { level: 1 }).waitFor();
    seen.push(await place(page));
    await page.goBack();
    await page.getByRole('heading', { name: 'Triage queue', level: 1 }).waitFor();
    seen.push(await place(page));
    await page.getByRole('link', { name: /^Sign out/ }).click();
    await page.getByText('You have signed out.').waitFor();
    seen.push(await place(page));

    const forbidden = [RESEARCHER.name, RESEARCHER.sub, ...references, ...enquiryIds];
    for (const { url, title, state } of seen) {
      const address = new URL(url);
      expect(address.search, url).toBe('');
      expect(address.hash, url).toBe('');
      expect(address.pathname, url).toMatch(/^\/[a-z-]*$/);
      expect(title).toMatch(/^[A-Z][a-z ]+ - MASH console$/);
      for (const value of forbidden) {
        expect(url).not.toContain(value);
        expect(title).not.toContain(value);
        expect(state).not.toContain(value);
      }
    }
    expect(seen.map(({ title }) => title)).toContain('Triage queue - MASH console');
    expect(problems).toEqual([]);
    await close();
  });

  it('does not scroll sideways at 320 px: sign-in, home and queue', async () => {
    const { page, close } = await open({ width: 320, height: 640 });
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    await page.getByLabel('MASH researcher', { exact: true }).waitFor();
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'sign-in-320px');
    await signInAs(page, 'MASH researcher');
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Triage queue' }).click();
    await page.getByTestId('queue-table').waitFor();
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'queue-320px');
    await close();
  });

  it('reaches every control of the queue screen with Tab, each showing where the focus is', async () => {
    const { page, close } = await open();
    await signInAs(page, 'MASH researcher');
    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Triage queue' }).click();
    await page.getByTestId('queue-table').waitFor();
    await page.getByRole('button', { name: 'Next page' }).waitFor();

    // Every control a pointer could use, by a description that tells them apart.
    const controls = await page.evaluate(() => {
      const selector = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';
      return Array.from(document.querySelectorAll<HTMLElement>(selector))
        .filter((element) => element.getClientRects().length > 0 || element.classList.contains('govuk-skip-link'))
        .map((element) => `${element.tagName.toLowerCase()}#${element.id}:${(element.textContent ?? '').trim().replace(/\s+/g, ' ')}`);
    });
    expect(controls.length).toBeGreaterThan(ENQUIRIES / 3);

    // Tab from the top of the page until the focus leaves the page or comes round again.
    // (From a marker before everything else: Tab moves on from where the focus last was.)
    await page.evaluate(() => {
      const start = document.createElement('span');
      start.tabIndex = -1;
      start.id = 'tab-start';
      document.body.prepend(start);
      start.focus();
    });
    const reached: string[] = [];
    const unseen: string[] = [];
    for (let presses = 0; presses < controls.length + 10; presses++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const element = document.activeElement as HTMLElement | null;
        if (element === null || element === document.body) return undefined;
        /** What a sighted user sees of an element and what stands for it (its label's box, for a styled checkbox). */
        const look = () => {
          const parts: Element[] = [element, ...Array.from((element as HTMLInputElement).labels ?? [])];
          return parts
            .flatMap((part) =>
              [null, '::before', '::after'].map((pseudo) => {
                const style = getComputedStyle(part, pseudo);
                const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0 && style.outlineColor !== 'rgba(0, 0, 0, 0)' ? `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}` : 'none';
                return `${outline}|${style.boxShadow}|${style.backgroundColor}|${style.color}|${style.borderColor}`;
              }),
            )
            .join(';');
        };
        const focusedLook = look();
        element.blur();
        const restingLook = look();
        element.focus();
        return { id: `${element.tagName.toLowerCase()}#${element.id}:${(element.textContent ?? '').trim().replace(/\s+/g, ' ')}`, visible: focusedLook !== restingLook };
      });
      if (presses === 0) await page.evaluate(() => document.getElementById('tab-start')?.remove());
      if (focused === undefined || reached.includes(focused.id)) break;
      reached.push(focused.id);
      if (!focused.visible) unseen.push(focused.id);
    }
    expect(reached).toEqual(controls);
    expect(unseen).toEqual([]);
    await close();
  });
});
