import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import type { SenteExpressOptions } from '@sente/express';
import { startServer } from './support/server.js';
import type { TestServer } from './support/server.js';
import { useChromium } from './support/chromium.js';

const chrome = useChromium();
let server: TestServer | undefined;
let page: Page | undefined;
/** Ajax requests to /chsk the server got. */
let chskRequests = 0;

afterEach(async () => {
  await page?.close();
  page = undefined;
  await server?.close();
  server = undefined;
});

/** Serves the page and the bundled client next to Sente, and opens it in Chromium with `query` (see browser-page.ts). */
async function openPage(options: SenteExpressOptions = {}, query = '', init?: () => void, waitOpen = true): Promise<{ page: Page; server: TestServer }> {
  const s = await startServer(options, {
    setup(app) {
      app.use('/chsk', (_req, _res, next) => {
        chskRequests++;
        next();
      });
      app.get('/', (_req, res) => {
        res.type('html').send('<!doctype html><title>sente</title><script type="module" src="/page.js"></script>');
      });
      app.get('/page.js', (_req, res) => {
        res.type('js').send(chrome.pageScript);
      });
    },
  });
  server = s;
  page = await chrome.browser.newPage();
  if (init !== undefined) await page.addInitScript(init);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${s.origin}/?uid=brow${query}`);
  if (waitOpen) await page.waitForFunction(() => window.sente?.state().open === true, undefined, { timeout: 10_000 });
  expect(errors).toEqual([]);
  return { page, server: s };
}

/** Asks the page for a reply and sends it a push; returns what the page got. */
async function replyAndPush(p: Page, s: TestServer): Promise<{ reply: unknown; pushes: unknown }> {
  s.sente.server.startRouter((msg) => {
    if (msg.id === 'test/echo') msg.reply?.({ echo: msg.data, via: msg.transport });
  });
  const reply = await p.evaluate(() => window.sente.request(['test/echo', 'from the page'], 5000));
  s.sente.server.send('brow', ['test/push', { n: 1 }]);
  await p.waitForFunction(() => window.sente.pushes.length === 1, undefined, { timeout: 5000 });
  return { reply, pushes: await p.evaluate(() => window.sente.pushes) };
}

describe('in Chromium', () => {
  it('connects over WebSocket, gets a reply and receives a push', async () => {
    const { page: p, server: s } = await openPage();
    expect(await p.evaluate(() => window.sente.state().type)).toBe('ws');
    expect(await p.evaluate(() => window.sente.state().uid)).toBe('brow');
    expect(await replyAndPush(p, s)).toEqual({
      reply: { echo: 'from the page', via: 'ws' },
      pushes: [['test/push', { n: 1 }]],
    });
  }, 30_000);

  it('falls back to Ajax when the server refuses WebSocket, and still gets replies and pushes', async () => {
    const { page: p, server: s } = await openPage({ reject: (req) => (req.websocket ? { status: 403, body: 'no ws' } : null) });
    const state = await p.evaluate(() => window.sente.state());
    expect(state.type).toBe('ajax');
    expect(state.lastClose?.reason).toBe('downgrading-ws-to-ajax');
    expect(await p.evaluate(() => window.sente.opens)).toEqual(['ajax']);
    expect(await replyAndPush(p, s)).toEqual({
      reply: { echo: 'from the page', via: 'ajax' },
      pushes: [['test/push', { n: 1 }]],
    });
  }, 30_000);
});

/** Counts the keep-alive pings the page's real WebSocket sends, in `window.pings`. */
function countPings(): void {
  const w = window as unknown as { pings: number };
  w.pings = 0;
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (this: WebSocket, data) {
    if (typeof data === 'string' && data.includes('chsk/ws-ping')) w.pings++;
    send.call(this, data);
  };
}

/** Makes the page look hidden or visible, and tells it as a browser would. */
async function setVisibility(p: Page, state: 'hidden' | 'visible'): Promise<void> {
  await p.evaluate((v) => {
    Object.defineProperty(document, 'visibilityState', { value: v, configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  }, state);
}

describe('in Chromium: real networks', () => {
  it('re-upgrades to WebSocket once the server takes upgrades again, delivering every push once, in order, and never closing', async () => {
    let refuseWs = true;
    const { page: p, server: s } = await openPage({ reject: (req) => (req.websocket && refuseWs ? { status: 503, body: 'no ws now' } : null) }, '&upgrade=200&early=300');
    expect(await p.evaluate(() => window.sente.state().type)).toBe('ajax');
    refuseWs = false;
    let n = 0;
    const pump = setInterval(() => s.sente.server.send('brow', ['test/push', ++n]), 10);
    try {
      await p.waitForFunction(() => window.sente.state().type === 'ws', undefined, { timeout: 10_000 });
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      clearInterval(pump);
    }
    await p.waitForFunction((count) => window.sente.pushes.length >= count, n, { timeout: 5000 });
    const pushes = await p.evaluate(() => window.sente.pushes.map((e) => e[1]));
    expect(pushes).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(await p.evaluate(() => window.sente.opens)).toEqual(['ajax']);
    expect(await p.evaluate(() => window.sente.closes)).toEqual([]);
    expect([...s.sente.server.connectedUids.ws]).toEqual(['brow']);
  }, 30_000);

  it("reconnects at once when the browser comes back online, instead of waiting out the backoff", async () => {
    const { page: p, server: s } = await openPage({}, '&backoff=60000&early=0');
    await p.context().setOffline(true);
    for (const ws of s.upgrade?.wss.clients ?? []) ws.terminate();
    await p.waitForFunction(() => window.sente.state().udtNextReconnect !== null, undefined, { timeout: 5000 });
    await p.context().setOffline(false);
    await p.waitForFunction(() => window.sente.state().open, undefined, { timeout: 5000 });
    expect(await p.evaluate(() => window.sente.opens)).toEqual(['ws', 'ws']);
  }, 30_000);

  it('sends no keep-alive pings while the tab is hidden, and checks the socket at once when it is visible again', async () => {
    const { page: p } = await openPage({}, '&kalive=200', countPings);
    await p.waitForFunction(() => (window as unknown as { pings: number }).pings > 0, undefined, { timeout: 5000 });
    await setVisibility(p, 'hidden');
    const hidden = await p.evaluate(() => (window as unknown as { pings: number }).pings);
    await new Promise((r) => setTimeout(r, 800));
    expect(await p.evaluate(() => (window as unknown as { pings: number }).pings)).toBe(hidden);
    await setVisibility(p, 'visible');
    expect(await p.evaluate(() => (window as unknown as { pings: number }).pings)).toBe(hidden + 1);
    expect(await p.evaluate(() => window.sente.state().open)).toBe(true);
  }, 30_000);

  it('reconnects at once on pageshow from the back/forward cache, after staying quiet while the page was leaving', async () => {
    const { page: p, server: s } = await openPage({}, '&backoff=0');
    await p.evaluate(() => window.dispatchEvent(new Event('beforeunload')));
    for (const ws of s.upgrade?.wss.clients ?? []) ws.terminate();
    await p.waitForFunction(() => !window.sente.state().open, undefined, { timeout: 5000 });
    await new Promise((r) => setTimeout(r, 300));
    expect(await p.evaluate(() => window.sente.state().open)).toBe(false);
    await p.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true })));
    await p.waitForFunction(() => window.sente.state().open, undefined, { timeout: 5000 });
  }, 30_000);
});

describe('in Chromium: errors that say what is wrong', () => {
  it('a refused CSRF token: falls back to Ajax, reports ERR_SENTE_FORBIDDEN, and stops retrying', async () => {
    const { page: p } = await openPage({ csrfToken: () => 'secret-token' }, '&backoff=0', undefined, false);
    await p.waitForFunction(() => window.sente?.state().lastClose?.reason === 'rejected', undefined, { timeout: 10_000 });
    expect(await p.evaluate(() => window.sente.state().lastError?.code)).toBe('ERR_SENTE_FORBIDDEN');
    const requests = chskRequests;
    await new Promise((r) => setTimeout(r, 300));
    expect(chskRequests).toBe(requests);
    expect(await p.evaluate(() => window.sente.state().everOpened)).toBe(false);
  }, 30_000);
});
