import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { startExample } from '../src/app.js';
import type { Example } from '../src/app.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

let example: Example;
let browser: Browser;

beforeAll(async () => {
  example = await startExample({ port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
});

afterAll(async () => {
  await browser?.close();
  await example?.close();
});

async function open(page: Page, query = ''): Promise<void> {
  await page.goto(`${example.url}${query}`);
  await expect.poll(() => page.textContent('#status')).toBe('open');
}

async function login(page: Page, user: string): Promise<void> {
  await page.fill('#user', user);
  await page.click('#login-form button');
  await expect.poll(() => page.textContent('#uid')).toBe(user);
}

const logLines = (page: Page): Promise<string[]> => page.$$eval('#log div', (ds) => ds.map((d) => d.textContent ?? ''));

describe('the example chat in a real browser', () => {
  it('logs in, pushes to all of a user’s tabs in order, broadcasts, and lists connected users by transport', async () => {
    const alice = await browser.newContext();
    const tab1 = await alice.newPage();
    await open(tab1);
    expect(await tab1.textContent('#transport')).toBe('ws');
    await login(tab1, 'alice');

    // A second tab of the same browser shares the session: the same uid.
    const tab2 = await alice.newPage();
    await open(tab2);
    expect(await tab2.textContent('#uid')).toBe('alice');

    await tab1.click('#push-me');
    for (const tab of [tab1, tab2]) {
      await expect
        .poll(async () => (await logLines(tab)).filter((l) => l.startsWith('push #')))
        .toEqual(['push #1 to all my tabs', 'push #2 to all my tabs', 'push #3 to all my tabs']);
    }

    // Bob, on the Ajax transport, in another browser session.
    const bobContext = await browser.newContext();
    const bob = await bobContext.newPage();
    await open(bob, '?type=ajax');
    expect(await bob.textContent('#transport')).toBe('ajax');
    await login(bob, 'bob');
    // The anonymous connections before login leave after their grace period (2.5 s WS, 5 s Ajax).
    await expect.poll(() => tab1.textContent('#users-ws'), { timeout: 10_000 }).toBe('alice');
    await expect.poll(() => tab1.textContent('#users-ajax'), { timeout: 10_000 }).toBe('bob');

    await bob.fill('#text', 'hello alice');
    await bob.click('#say-form button');
    for (const tab of [tab1, tab2, bob]) {
      await expect.poll(async () => (await logLines(tab)).includes('bob: hello alice')).toBe(true);
    }

    await bobContext.close();
    await alice.close();
  });

  it('refuses Sente requests without the page’s CSRF token', async () => {
    const res = await fetch(`${example.url}chsk?client-id=x1&handshake%3F=1`);
    expect(res.status).toBe(403);
    expect(await res.text()).toBe('Bad CSRF token');
  });
});
