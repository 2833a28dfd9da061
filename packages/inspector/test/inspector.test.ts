import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { INSPECTOR_EVENTS } from '../src/index.js';
import { PASS, launchChromium, startApp } from './support/app.js';
import type { TestApp } from './support/app.js';

let browser: Browser;
let app: TestApp | undefined;
let context: BrowserContext | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await context?.close();
  context = undefined;
  await app?.close();
  app = undefined;
});

/** Opens the inspector in a fresh context holding the pass, and waits until its feed is live. */
async function openInspector(a: TestApp): Promise<Page> {
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  await context.addCookies([{ ...PASS, url: a.origin }]);
  const page = await context.newPage();
  await page.goto(`${a.origin}/inspector`);
  await expect.poll(() => page.textContent('#status'), { timeout: 10_000 }).toMatch(/^live/);
  return page;
}

const uidsListed = (page: Page): Promise<string[]> => page.$$eval('#clients tr.uid-row', (rows) => rows.map((r) => (r as HTMLElement).dataset['uid'] ?? ''));
const transportsOf = (page: Page, uid: string): Promise<string[]> =>
  page.$$eval(`#clients tr.uid-row[data-uid="${uid}"] ~ tr`, (rows) => {
    const out: string[] = [];
    for (const r of rows as HTMLElement[]) {
      if (r.classList.contains('uid-row')) break;
      out.push(r.dataset['transport'] ?? '');
    }
    return out;
  });
const countOf = (page: Page, key: string): Promise<string | null> => page.textContent(`[data-count="${key}"] .value`);

describe('the inspector page', () => {
  it('lists users as real clients connect and leave, by transport', async () => {
    app = await startApp();
    const page = await openInspector(app);
    expect(await uidsListed(page)).toEqual([]);

    const ann = app.connect('ann', 'ws');
    app.connect('bob', 'ajax');
    app.connect('bob', 'ws');
    await expect.poll(() => uidsListed(page), { timeout: 10_000 }).toEqual(['ann', 'bob']);
    await expect.poll(() => transportsOf(page, 'bob')).toEqual(expect.arrayContaining(['ajax', 'ws']));
    expect(await transportsOf(page, 'ann')).toEqual(['ws']);
    expect(await countOf(page, 'uids')).toBe('2');

    ann.disconnect();
    await expect.poll(() => uidsListed(page), { timeout: 10_000 }).toEqual(['bob']);
    expect(await countOf(page, 'uids')).toBe('1');
  });

  it('shows events in and pushes out per second moving under a burst of events', async () => {
    app = await startApp();
    const page = await openInspector(app);
    const cy = app.connect('cy', 'ws');
    await expect.poll(() => cy.state.open, { timeout: 10_000 }).toBe(true);
    expect(await countOf(page, 'events-in')).toBe('0');

    // A bounded burst: 40 events every 50 ms for a second, each answered with a push.
    const rates = { eventsIn: 0, pushesOut: 0 };
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 40; i++) cy.send(['load/ping', i]);
      await new Promise((r) => setTimeout(r, 50));
      rates.eventsIn = Math.max(rates.eventsIn, Number(await countOf(page, 'events-in')));
      rates.pushesOut = Math.max(rates.pushesOut, Number(await countOf(page, 'pushes-out')));
    }
    expect(rates.eventsIn).toBeGreaterThan(0);
    expect(rates.pushesOut).toBeGreaterThan(0);
    // And the chart of events in drew the burst: a line with points above the floor.
    const drawn = await page.getAttribute('[data-chart="events-in"] polyline', 'points');
    expect(drawn?.split(' ').some((p) => Number(p.split(',')[1]) < 58)).toBe(true);
  });

  it('refuses a viewer the app does not authorize: 403 on the page, its script and the feed', async () => {
    app = await startApp();
    const feed = `${app.origin}/inspector/chsk?client-id=peeker&handshake%3F=true`;
    for (const url of [`${app.origin}/inspector`, `${app.origin}/inspector/inspector.js`, feed]) {
      const r = await fetch(url);
      expect([url, r.status, await r.text()]).toEqual([url, 403, 'Forbidden']);
    }
    const upgrade = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(feed.replace('http:', 'ws:'));
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
        ws.terminate();
      });
      ws.on('open', () => reject(new Error('the feed upgraded an unauthorized viewer')));
      ws.on('error', () => undefined);
    });
    expect(upgrade).toBe(403);

    // In a browser without the pass, the page is refused as well.
    context = await browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(`${app.origin}/inspector`);
    expect(response?.status()).toBe(403);
    expect(await page.locator('#clients').count()).toBe(0);
  });

  it('refuses everyone when the app gives no authorize hook', async () => {
    app = await startApp({ authorize: undefined });
    const headers = { cookie: `${PASS.name}=${PASS.value}` };
    for (const path of ['/inspector', '/inspector/chsk?client-id=x&handshake%3F=true']) {
      const r = await fetch(`${app.origin}${path}`, { headers });
      expect([path, r.status, await r.text()]).toEqual([path, 403, 'Forbidden']);
    }
  });

  it('has its key elements, filters by uid, and runs the actions the app opted into', async () => {
    app = await startApp();
    const page = await openInspector(app);
    const dee = app.connect('dee', 'ws');
    app.connect('eve', 'ajax');
    const tests: unknown[] = [];
    dee.startRouter((msg) => void (msg.id === INSPECTOR_EVENTS.test && tests.push(msg.data)));
    await expect.poll(() => uidsListed(page), { timeout: 10_000 }).toEqual(['dee', 'eve']);

    for (const key of ['uids', 'uids-ws', 'uids-ajax', 'events-in', 'pushes-out', 'queued-batches', 'queued-bytes', 'pending-replies']) {
      expect([key, await page.locator(`[data-count="${key}"]`).count()]).toEqual([key, 1]);
    }
    expect(await page.$$eval('#charts svg polyline', (ls) => ls.length)).toBe(5);
    await expect.poll(() => page.$$eval('#charts svg polyline', (ls) => ls.every((l) => (l.getAttribute('points') ?? '') !== ''))).toBe(true);
    expect(await page.textContent('#clients thead')).toContain('user agent');
    // Node's fetch says who it is (the ws client sends no user agent).
    expect(await page.textContent('#clients tr.client-row[data-transport="ajax"] td.ua')).toBe('node');

    // Remote addresses only when the app allows them.
    expect(await page.$$eval('#clients tr.client-row', (rows) => rows.map((r) => (r as HTMLTableRowElement).cells[6]?.textContent))).toEqual(['—', '—']);
    // A request the app's server refuses shows up under its error code.
    expect((await fetch(`${app.origin}/chsk`)).status).toBe(400);
    await expect.poll(() => page.textContent('#errors tr[data-code="ERR_SENTE_NO_CLIENT_ID"]')).toBe('ERR_SENTE_NO_CLIENT_ID1');
    // A socket that sends something the packer cannot read is closed with 1007: counted under its close code.
    const bad = new WebSocket(`${app.origin.replace('http:', 'ws:')}/chsk?client-id=bad-1&uid=mallory`);
    await new Promise<void>((resolve) => bad.on('open', () => resolve()));
    bad.send('not a packed payload');
    await new Promise<void>((resolve) => bad.on('close', () => resolve()));
    await expect.poll(() => page.textContent('#closes tr[data-code="1007"]')).toBe('10071');
    expect(await page.textContent('#switches')).toMatch(/\d+ fallbacks to Ajax, \d+ re-upgrades to WebSocket/);

    await page.fill('#uid-filter', 'ev');
    expect(await uidsListed(page)).toEqual(['eve']);
    await page.fill('#uid-filter', '');

    // Some traffic, for the charts.
    for (let round = 0; round < 8; round++) {
      for (let i = 0; i < 10 + round * 5; i++) dee.send(['load/ping', i]);
      await new Promise((r) => setTimeout(r, 120));
    }
    await expect.poll(() => countOf(page, 'events-in')).not.toBe('0');
    const shot = process.env['INSPECTOR_SCREENSHOT'] ?? join(tmpdir(), 'sente-inspector.png');
    mkdirSync(dirname(shot), { recursive: true });
    const png = await page.screenshot({ path: shot, fullPage: true });
    expect(png.subarray(1, 4).toString()).toBe('PNG');

    await page.click('#clients tr.uid-row[data-uid="dee"] button[data-action="sente-inspector/test-push"]');
    await expect.poll(() => tests.length, { timeout: 10_000 }).toBe(1);
    await page.click('#clients tr.uid-row[data-uid="dee"] button[data-action="sente-inspector/disconnect"]');
    await expect.poll(() => page.textContent('#action-result'), { timeout: 10_000 }).toBe('disconnect dee: done');
  });

  it('samples only while someone watches', async () => {
    app = await startApp();
    const page = await openInspector(app);
    await expect.poll(() => page.textContent('#updated')).toMatch(/^updated/);
    await context?.close();
    context = undefined;
    // The viewer's client is gone after the feed's grace period: its timer with it.
    await expect.poll(() => app!.inspector.watching, { timeout: 10_000 }).toBe(false);
  });
});
