/**
 * One connection for all of a browser's tabs (issue 17), in Debian's
 * Chromium: several pages of one browser context (one browser, as a person's
 * tabs), the page's real Web Locks and BroadcastChannel, a real server.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import type { SenteExpressOptions } from '@sente/express';
import { startServer, waitFor } from './support/server.js';
import type { TestServer } from './support/server.js';
import { useChromium } from './support/chromium.js';

const chrome = useChromium({ worker: true });
let server: TestServer | undefined;
let context: BrowserContext | undefined;

afterEach(async () => {
  await context?.close();
  context = undefined;
  await server?.close();
  server = undefined;
});

/** The uid of a request: the `uid` cookie (a login), else the `uid` query param. */
function uidOf(req: { headers: { cookie?: string | undefined }; query: Record<string, unknown> }): string | null {
  const cookie = /(?:^|;\s*)uid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
  const q = req.query['uid'];
  return cookie ?? (typeof q === 'string' ? q : null);
}

/** A server of the page; a closed client's uid leaves connectedUids after 1 s, not 5 s. */
async function serve(options: SenteExpressOptions = {}): Promise<TestServer> {
  server = await startServer(
    { userId: uidOf, msAllowReconnectBeforeCloseAjax: 1000, msAllowReconnectBeforeCloseWs: 1000, ...options },
    {
      setup(app) {
        app.get('/', (_req, res) => {
          res.type('html').send('<!doctype html><title>sente</title><script type="module" src="/page.js"></script>');
        });
        app.get('/page.js', (_req, res) => {
          res.type('js').send(chrome.pageScript);
        });
        app.get('/worker.js', (_req, res) => {
          res.type('js').send(chrome.workerScript);
        });
      },
    },
  );
  server.sente.server.startRouter((msg) => {
    if (msg.id === 'test/echo') msg.reply?.({ echo: msg.data, uid: msg.uid });
  });
  return server;
}

/** Opens `n` tabs of one browser on `query`, one after the other, each waited until open. */
async function openTabs(s: TestServer, n: number, query: string): Promise<Page[]> {
  context = await chrome.browser.newContext();
  const pages: Page[] = [];
  for (let i = 0; i < n; i++) {
    const p = await context.newPage();
    await p.goto(`${s.origin}/?uid=brow&${query}`);
    await p.waitForFunction(() => window.sente?.state().open === true, undefined, { timeout: 10_000 });
    pages.push(p);
  }
  return pages;
}

/** Each page's pushed `test/n` numbers, in the order its app got them. */
const pushesOf = (pages: Page[]): Promise<unknown[][]> =>
  Promise.all(pages.map((p) => p.evaluate(() => window.sente.pushes.filter((e) => e[0] === 'test/n').map((e) => e[1]))));

/** Waits until every page got `count` pushes; then a moment more, for any duplicate to show. */
async function waitPushes(pages: Page[], count: number): Promise<unknown[][]> {
  for (const p of pages) {
    await p.waitForFunction((c) => window.sente.pushes.filter((e) => e[0] === 'test/n').length >= c, count, { timeout: 10_000 });
  }
  await new Promise((r) => setTimeout(r, 200));
  return pushesOf(pages);
}

/** The most clients the server held at once over `ms`. */
async function mostClients(s: TestServer, ms = 500): Promise<number> {
  let most = 0;
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 10))) {
    const st = s.sente.server.stats();
    most = Math.max(most, st.ajaxClients + st.wsClients);
  }
  return most;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('in Chromium: tabs share one connection', () => {
  it('ten tabs on Ajax are all open on one connection; each gets its own replies and each push once', async () => {
    const s = await serve();
    const pages = await openTabs(s, 10, 'type=ajax');
    expect(await mostClients(s)).toBe(1);
    // Without sharing, the seventh tab's poll would wait for a free connection (six per host): none answers in a second.
    const replies = await Promise.all(pages.map((p, i) => p.evaluate((n) => window.sente.request(['test/echo', n], 1000), i)));
    expect(replies).toEqual(range(0, 9).map((i) => ({ echo: i, uid: 'brow' })));
    const ids = await Promise.all(pages.map((p) => p.evaluate(() => window.sente.clientId())));
    expect(new Set(ids).size).toBe(1);
    for (const n of range(1, 3)) s.sente.server.send('brow', ['test/n', n]);
    expect(await waitPushes(pages, 3)).toEqual(pages.map(() => [1, 2, 3]));
  }, 60_000);

  it('on WebSocket, tabs connect on their own unless shareAcrossTabs: true', async () => {
    const s = await serve();
    await openTabs(s, 3, 'type=ws');
    expect(s.sente.server.stats().wsClients).toBe(3);
    await context?.close();
    const pages = await openTabs(s, 3, 'type=ws&share=true');
    await waitFor(() => s.sente.server.stats().wsClients === 1, 'one WebSocket');
    for (const n of range(1, 2)) s.sente.server.send('brow', ['test/n', n]);
    expect(await waitPushes(pages, 2)).toEqual(pages.map(() => [1, 2]));
  }, 60_000);

  it("'auto' tabs behind a proxy that refuses WebSocket share one Ajax connection once they fell back", async () => {
    const s = await serve({ reject: (req) => (req.websocket ? { status: 403, body: 'no ws' } : null) });
    const pages = await openTabs(s, 8, 'upgrade=60000');
    expect(await Promise.all(pages.map((p) => p.evaluate(() => window.sente.state().type)))).toEqual(pages.map(() => 'ajax'));
    expect(await mostClients(s)).toBe(1);
    const replies = await Promise.all(pages.map((p, i) => p.evaluate((n) => window.sente.request(['test/echo', n], 1000), i)));
    expect(replies).toEqual(range(0, 7).map((i) => ({ echo: i, uid: 'brow' })));
  }, 60_000);

  for (const how of ['closes', 'crashes'] as const) {
    it(`when the leader tab ${how}, another takes over: nothing lost or doubled in any tab, requests answered`, async () => {
      const s = await serve();
      const pages = await openTabs(s, 4, 'type=ajax');
      const [leader, ...rest] = pages as [Page, ...Page[]];
      const cid = await rest[0]?.evaluate(() => window.sente.clientId());
      let n = 0;
      const pump = setInterval(() => s.sente.server.send('brow', ['test/n', ++n]), 20);
      try {
        await waitPushes(rest, 5);
        if (how === 'closes') {
          await leader.close();
        } else {
          // The renderer dies: no unload, no goodbye; the browser frees its lock.
          const crashed = new Promise((resolve) => leader.once('crash', resolve));
          const cdp = await context?.newCDPSession(leader);
          void cdp?.send('Page.crash').catch(() => {});
          await crashed;
        }
        const during = rest.map((p, i) => p.evaluate((k) => window.sente.request(['test/echo', `during ${k}`], 10_000), i));
        for (const p of rest) await p.waitForFunction(() => window.sente.closes.length > 0, undefined, { timeout: 10_000 });
        for (const p of rest) await p.waitForFunction(() => window.sente.state().open, undefined, { timeout: 10_000 });
        expect(await Promise.all(during)).toEqual(rest.map((_, i) => ({ echo: `during ${i}`, uid: 'brow' })));
        await new Promise((r) => setTimeout(r, 200));
      } finally {
        clearInterval(pump);
      }
      expect(await waitPushes(rest, n)).toEqual(rest.map(() => range(1, n)));
      expect(await Promise.all(rest.map((p) => p.evaluate(() => window.sente.clientId())))).toEqual(rest.map(() => cid));
      expect(await Promise.all(rest.map((p) => p.evaluate(() => window.sente.state().recovered)))).toEqual(rest.map(() => true));
      await waitFor(() => s.sente.server.stats().ajaxClients === 1, 'one connection again');
    }, 60_000);
  }

  it('with the app\'s SharedWorker, the worker holds the connection: the first tab closing moves nothing', async () => {
    const s = await serve();
    const pages = await openTabs(s, 3, `type=ajax&worker=${encodeURIComponent('/worker.js?uid=brow')}`);
    expect(await mostClients(s)).toBe(1);
    await (pages[0] as Page).close();
    const rest = pages.slice(1);
    for (const n of range(1, 3)) s.sente.server.send('brow', ['test/n', n]);
    expect(await waitPushes(rest, 3)).toEqual(rest.map(() => [1, 2, 3]));
    // No tab saw the connection close: no hand-over happened.
    expect(await Promise.all(rest.map((p) => p.evaluate(() => window.sente.closes)))).toEqual(rest.map(() => []));
    expect(await Promise.all(rest.map((p, i) => p.evaluate((k) => window.sente.request(['test/echo', k], 2000), i)))).toEqual(
      rest.map((_, i) => ({ echo: i, uid: 'brow' })),
    );
  }, 60_000);

  it('a SharedWorker that fails to load leaves the lead to a tab', async () => {
    const s = await serve();
    const pages = await openTabs(s, 2, 'type=ajax&worker=/missing.js');
    expect(await mostClients(s)).toBe(1);
    expect(await Promise.all(pages.map((p, i) => p.evaluate((k) => window.sente.request(['test/echo', k], 2000), i)))).toEqual(
      pages.map((_, i) => ({ echo: i, uid: 'brow' })),
    );
  }, 60_000);

  it('a tab coming back (visible) makes a leader waiting out a long backoff reconnect at once', async () => {
    const s = await serve();
    const pages = await openTabs(s, 2, 'type=ajax&backoff=60000');
    const follower = pages[1] as Page;
    // The shared poll fails (the follower asks the leader to break it): every tab waits a minute to retry.
    await follower.evaluate(() => window.sente.breakConnection());
    for (const p of pages) await p.waitForFunction(() => window.sente.state().udtNextReconnect !== null, undefined, { timeout: 5000 });
    await follower.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    for (const p of pages) await p.waitForFunction(() => window.sente.state().open, undefined, { timeout: 5000 });
  }, 60_000);

  it('a login or logout in one tab (a new session, then reconnect()) moves every tab to the new uid', async () => {
    const s = await serve();
    const pages = await openTabs(s, 3, 'type=ajax');
    const last = pages[2] as Page;
    await last.evaluate(() => {
      document.cookie = 'uid=alice; path=/';
      window.sente.reconnect();
    });
    for (const p of pages) await p.waitForFunction(() => window.sente.state().open && window.sente.state().uid === 'alice', undefined, { timeout: 10_000 });
    expect(await Promise.all(pages.map((p) => p.evaluate(() => window.sente.handshakes)))).toEqual(pages.map(() => ['brow', 'alice']));
    expect(await Promise.all(pages.map((p) => p.evaluate(() => window.sente.request(['test/echo', 1], 5000))))).toEqual(pages.map(() => ({ echo: 1, uid: 'alice' })));
    await waitFor(() => s.sente.server.connectedUids.ajax.size === 1 && s.sente.server.connectedUids.ajax.has('alice'), 'only alice connected');
  }, 60_000);
});
