import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

/**
 * The chat as a person uses it, in Debian's Chromium: every example app runs
 * it against itself. The apps share the page, so they share the scenario; each
 * wires its own framework, session and CSRF.
 */

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Launches headless Chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/** Opens the chat and waits until Sente is open; records every HTTP error the page meets. */
async function open(page: Page, url: string, httpErrors: string[]): Promise<void> {
  page.on('response', (r) => {
    if (r.status() >= 400) httpErrors.push(`${r.status()} ${r.url()}`);
  });
  await page.goto(url);
  await expect.poll(() => page.textContent('#status'), { timeout: 10_000 }).toBe('open');
}

async function login(page: Page, user: string): Promise<void> {
  await page.fill('#user', user);
  await page.click('#login-form button');
  await expect.poll(() => page.textContent('#uid'), { timeout: 10_000 }).toBe(user);
}

const logLines = (page: Page): Promise<string[]> => page.$$eval('#log div', (ds) => ds.map((d) => d.textContent ?? ''));
const pageText = (page: Page): Promise<string> => page.evaluate(() => document.body.innerText);

/** Waits for a log line that starts with `prefix`. */
async function expectLogLine(page: Page, prefix: string): Promise<void> {
  await expect.poll(async () => (await logLines(page)).some((l) => l.startsWith(prefix)), { timeout: 10_000, message: `a log line "${prefix}…"` }).toBe(true);
}

/**
 * Alice arrives anonymous (and is shown so), logs in on a WebSocket tab and
 * opens a second tab; a push to her uid reaches both tabs in order; Bob logs
 * in over Ajax in another session; the connected users show both by
 * transport; Bob's message reaches everyone and Bob sees its reply; every tab
 * shows its transport and a live round trip; Alice logs out. No request of
 * the page fails (the favicon included).
 */
export async function chatScenario(browser: Browser, baseUrl: string): Promise<void> {
  const alice = await browser.newContext();
  const bobContext = await browser.newContext();
  const httpErrors: string[] = [];
  try {
    const tab1 = await alice.newPage();
    await open(tab1, baseUrl, httpErrors);
    expect(await tab1.textContent('#transport')).toBe('ws');
    // Before logging in: anonymous, in words, never Sente's internal nil uid.
    expect(await tab1.textContent('#uid')).toBe('anonymous');
    await expect.poll(() => tab1.textContent('#users-ws'), { timeout: 10_000 }).toBe('anonymous');
    await expectLogLine(tab1, 'connected as anonymous over ws');
    await tab1.click('#echo');
    await expectLogLine(tab1, '✓ echo from the server: you are anonymous over ws');
    expect(await pageText(tab1)).not.toContain('sente/nil-uid');
    expect(await tab1.isVisible('#logout')).toBe(false);

    await login(tab1, 'alice');
    // A clean login: the name box is cleared, the form gives way to a log-out button.
    expect(await tab1.inputValue('#user')).toBe('');
    expect(await tab1.isVisible('#login-form')).toBe(false);
    expect(await tab1.isVisible('#logout')).toBe(true);
    await expectLogLine(tab1, 'logged in as alice');

    // A second tab of the same browser shares the session cookie: the same uid.
    const tab2 = await alice.newPage();
    await open(tab2, baseUrl, httpErrors);
    expect(await tab2.textContent('#uid')).toBe('alice');

    await tab1.click('#push-me');
    await expectLogLine(tab1, '✓ the server pushed 3 events to all my tabs');
    for (const tab of [tab1, tab2]) {
      await expect
        .poll(async () => (await logLines(tab)).filter((l) => l.startsWith('push #')), { timeout: 10_000 })
        .toEqual(['push #1 to all my tabs', 'push #2 to all my tabs', 'push #3 to all my tabs']);
    }

    const bob = await bobContext.newPage();
    await open(bob, `${baseUrl}?type=ajax`, httpErrors);
    expect(await bob.textContent('#transport')).toBe('ajax');
    await login(bob, 'bob');
    // The anonymous connections from before the logins leave after their grace periods (2.5 s WS, 5 s Ajax).
    await expect.poll(() => tab1.textContent('#users-ws'), { timeout: 15_000 }).toBe('alice');
    await expect.poll(() => tab1.textContent('#users-ajax'), { timeout: 15_000 }).toBe('bob');

    await bob.fill('#text', 'hello alice');
    await bob.click('#say-form button');
    for (const tab of [tab1, tab2, bob]) {
      await expect.poll(async () => (await logLines(tab)).includes('bob: hello alice'), { timeout: 10_000 }).toBe(true);
    }
    // The sender sees the reply.
    await expectLogLine(bob, '✓ delivered to everyone (reply in ');

    // The round trip is measured live, on both transports.
    for (const tab of [tab1, bob]) {
      await expect.poll(() => tab.textContent('#rtt'), { timeout: 10_000 }).toMatch(/^\d+ ms$/);
    }

    // Logging out: anonymous again, the login form back, and listed as anonymous.
    await tab1.click('#logout');
    await expect.poll(() => tab1.textContent('#uid'), { timeout: 10_000 }).toBe('anonymous');
    await expectLogLine(tab1, 'logged out');
    expect(await tab1.isVisible('#login-form')).toBe(true);
    expect(await tab1.isVisible('#logout')).toBe(false);
    await expect.poll(() => tab1.textContent('#users-ws'), { timeout: 10_000 }).toMatch(/anonymous/);
    expect(await pageText(tab1)).not.toContain('sente/nil-uid');

    expect(httpErrors).toEqual([]);
  } finally {
    await bobContext.close();
    await alice.close();
  }
}

/** The favicon is served, as an image. */
export async function expectFavicon(baseUrl: string): Promise<void> {
  const res = await fetch(`${baseUrl}favicon.ico`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
  expect(await res.text()).toMatch(/^<svg /);
}

/** A Sente request without the page's CSRF token is refused with 403. */
export async function expectCsrfRefused(baseUrl: string): Promise<void> {
  const res = await fetch(`${baseUrl}chsk?client-id=x1&handshake%3F=1`);
  expect(res.status).toBe(403);
}

/** A started example app. */
export interface StartedExample {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The example apps' whole browser test: starts the app on port 0, runs the
 * chat scenario in Chromium, checks the favicon, and checks that Sente
 * refuses a request without the page's CSRF token.
 */
export function describeExampleInChromium(name: string, start: (o: { port: number }) => Promise<StartedExample>): void {
  describe(`the ${name} example chat in a real browser`, () => {
    let example: StartedExample | undefined;
    let browser: Browser | undefined;

    beforeAll(async () => {
      example = await start({ port: 0 });
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      await example?.close();
    });

    it('shows anonymous users as such, replies, login and logout, the transport and round trip; pushes to all of a user’s tabs in order, broadcasts, and lists connected users by transport', async () => {
      await chatScenario(browser as Browser, (example as StartedExample).url);
    });

    it('serves its favicon', async () => {
      await expectFavicon((example as StartedExample).url);
    });

    it('refuses Sente requests without the page’s CSRF token', async () => {
      await expectCsrfRefused((example as StartedExample).url);
    });
  });
}
