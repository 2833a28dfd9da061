/**
 * One connection for all of a browser's tabs (issue 17), in Node: each "tab"
 * is a client of its own, the tabs talk over Node's real `BroadcastChannel`,
 * the leader is elected with a Web Locks stand-in (Node 20 has no
 * `navigator.locks`), and the server is real. A crash of the leader tab
 * cannot be made in one process; the Chromium test (tabs-browser.test.ts)
 * covers it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSenteClient } from '../src/index.js';
import type { SenteClient, SenteClientOptions } from '../src/index.js';
import { startServer, waitFor } from './support/server.js';
import type { TestServer } from './support/server.js';
import { createWebLocks } from './support/web-locks.js';

let server: TestServer;
const tabs: SenteClient[] = [];
/** The uid the app's params give: all tabs read it, as they would read one session cookie. */
let uid = 'u1';
/** How many times the server's handler of `test/slow` (which replies after 300 ms) ran. */
let slowCalls = 0;
/** The Ajax POSTs (sends, answers) the server got. */
let posts = 0;

beforeEach(async () => {
  vi.stubGlobal('navigator', { locks: createWebLocks() });
  uid = 'u1';
  slowCalls = 0;
  // A closed client's uid leaves connectedUids after 1 s, not 5 s.
  posts = 0;
  server = await startServer(
    { msAllowReconnectBeforeCloseAjax: 1000 },
    {
      setup(app) {
        app.use('/chsk', (req, _res, next) => {
          if (req.method === 'POST') posts++;
          next();
        });
      },
    },
  );
  server.sente.server.startRouter((msg) => {
    if (msg.id === 'test/echo') msg.reply?.({ echo: msg.data, clientId: msg.clientId });
    if (msg.id === 'test/slow') {
      slowCalls++;
      setTimeout(() => msg.reply?.({ slow: msg.data }), 300);
    }
  });
});

afterEach(async () => {
  for (const t of tabs.splice(0)) t.disconnect();
  vi.unstubAllGlobals();
  await server.close();
});

/** A tab's client on Ajax, sharing as by default. */
function tab(options: SenteClientOptions = {}): SenteClient {
  const c = createSenteClient(server.url, null, { type: 'ajax', params: () => ({ uid }), backoffMs: () => 20, onError: () => {}, ...options });
  tabs.push(c);
  return c;
}

/** What a tab's app sees of the pushed `test/n` numbers. */
function pushesOf(c: SenteClient): number[] {
  const seen: number[] = [];
  c.on('event', ([id, n]) => {
    if (id === 'test/n') seen.push(n as number);
  });
  return seen;
}

/** The most Ajax clients the server held at once over `ms` (an Ajax client counts while it has a poll parked). */
async function mostAjaxClients(ms = 300): Promise<number> {
  let most = 0;
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 10))) {
    most = Math.max(most, server.sente.server.stats().ajaxClients);
  }
  return most;
}

const allOpen = (cs: SenteClient[]): boolean => cs.every((c) => c.state.open);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('tabs sharing one connection', () => {
  it('refuses a shareAcrossTabs that is not true, false or ajax', () => {
    expect(() => tab({ shareAcrossTabs: 'ws' as unknown as boolean })).toThrow(
      expect.objectContaining({ code: 'ERR_SENTE_BAD_OPTION', message: "shareAcrossTabs must be true, false or 'ajax', not ws." }),
    );
  });

  it('three tabs hold one Ajax connection, each with its own replies, and each gets a push once', async () => {
    const ts = [tab(), tab(), tab()];
    const seen = ts.map(pushesOf);
    await waitFor(() => allOpen(ts), 'every tab open');
    expect(await mostAjaxClients()).toBe(1);
    expect(new Set(ts.map((t) => t.clientId)).size).toBe(1);
    expect(ts.map((t) => t.state.uid)).toEqual(['u1', 'u1', 'u1']);

    const replies = await Promise.all(ts.map((t, i) => t.request(['test/echo', i], 5000)));
    expect(replies).toEqual([0, 1, 2].map((i) => ({ echo: i, clientId: ts[0]?.clientId })));

    server.sente.server.send('u1', ['test/n', 1]);
    server.sente.server.send('u1', ['test/n', 2]);
    await waitFor(() => seen.every((s) => s.length === 2), 'the pushes in every tab');
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual([[1, 2], [1, 2], [1, 2]]);
  });

  it('without sharing (shareAcrossTabs: false, or no Web Locks) each tab connects on its own', async () => {
    const ts = [tab({ shareAcrossTabs: false }), tab({ shareAcrossTabs: false })];
    await waitFor(() => allOpen(ts), 'every tab open');
    expect(await mostAjaxClients()).toBe(2);
    vi.stubGlobal('navigator', undefined);
    const more = [tab(), tab()];
    await waitFor(() => allOpen(more), 'every tab open');
    expect(await mostAjaxClients()).toBe(4);
    expect(new Set([...ts, ...more].map((t) => t.clientId)).size).toBe(4);
  });

  it("a server request reaches every tab's router and is answered once, by the first tab that replies", async () => {
    const ts = [tab(), tab(), tab()];
    await waitFor(() => allOpen(ts), 'every tab open');
    const asked: number[] = [];
    let answered = (): void => {};
    const late = new Promise<void>((resolve) => (answered = resolve));
    ts.forEach((t, i) =>
      t.startRouter((msg) => {
        if (msg.id !== 'test/ask') return;
        asked.push(i);
        // Tab 2 answers; the others answer once the server has its answer, and are ignored.
        if (i === 2) msg.reply?.({ from: i });
        else void late.then(() => msg.reply?.({ from: i }));
      }),
    );
    // An Ajax client is in the server's table once its first long-poll after the handshake arrived.
    await waitFor(() => server.sente.server.stats().ajaxClients === 1, 'the poll parked');
    await expect(server.sente.server.request(ts[0]?.clientId as string, ['test/ask', 1], 3000)).resolves.toEqual({ from: 2 });
    answered();
    await new Promise((r) => setTimeout(r, 150));
    expect(asked.sort()).toEqual([0, 1, 2]);
    // One answer crossed the network: the leader dropped the later ones.
    expect(posts).toBe(1);
    expect(server.sente.server.stats().serverRequests).toBe(0);
  });

  it('when the leader tab leaves, another leads with the same client id: nothing lost or doubled, requests answered', async () => {
    const ts = [tab(), tab(), tab()];
    const seen = ts.map(pushesOf);
    await waitFor(() => allOpen(ts), 'every tab open');
    const cid = ts[0]?.clientId;
    for (const n of range(1, 5)) server.sente.server.send('u1', ['test/n', n]);
    await waitFor(() => seen.every((s) => s.length === 5), 'the first pushes');

    const handshakes: boolean[] = [];
    ts[1]?.on('handshake', (h) => handshakes.push(h.recovered === true));
    // The leader (the first tab, which got the lock) leaves; pushes and a request go on meanwhile.
    ts[0]?.disconnect();
    for (const n of range(6, 10)) server.sente.server.send('u1', ['test/n', n]);
    const during = ts[2]?.request(['test/echo', 'during'], 5000);
    await waitFor(() => allOpen(ts.slice(1)), 'the other tabs open again');
    for (const n of range(11, 15)) server.sente.server.send('u1', ['test/n', n]);
    await expect(during).resolves.toEqual({ echo: 'during', clientId: cid });
    await waitFor(() => seen[1]?.length === 15 && seen[2]?.length === 15, 'every push in the tabs left');
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.slice(1)).toEqual([range(1, 15), range(1, 15)]);
    expect(seen[0]).toEqual(range(1, 5));
    expect(ts[1]?.clientId).toBe(cid);
    expect(handshakes).toEqual([true]);
    await waitFor(() => server.sente.server.stats().ajaxClients === 1, 'one connection again');
  });

  it("a tab's request in flight when the leader leaves is sent again to the next leader, and handled once", async () => {
    const ts = [tab(), tab()];
    await waitFor(() => allOpen(ts), 'every tab open');
    const slow = ts[1]?.request(['test/slow', 1], 5000);
    await waitFor(() => slowCalls === 1, 'the server handling it');
    ts[0]?.disconnect();
    await expect(slow).resolves.toEqual({ slow: 1 });
    expect(slowCalls).toBe(1);
  });

  it('a tab that joins again gets the pushes it missed meanwhile, once', async () => {
    const ts = [tab(), tab()];
    const seen = pushesOf(ts[1] as SenteClient);
    await waitFor(() => allOpen(ts), 'every tab open');
    server.sente.server.send('u1', ['test/n', 1]);
    await waitFor(() => seen.length === 1, 'the first push');
    ts[1]?.disconnect();
    for (const n of range(2, 4)) server.sente.server.send('u1', ['test/n', n]);
    await new Promise((r) => setTimeout(r, 100));
    ts[1]?.connect();
    await waitFor(() => ts[1]?.state.open === true, 'the tab open again');
    server.sente.server.send('u1', ['test/n', 5]);
    await waitFor(() => seen.length >= 5, 'every push');
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual(range(1, 5));
  });

  it('a new leader resumes from the oldest position any tab holds: a tab behind it misses nothing', async () => {
    const ts = [tab(), tab(), tab()];
    const seen = ts.map(pushesOf);
    await waitFor(() => allOpen(ts), 'every tab open');
    server.sente.server.send('u1', ['test/n', 1]);
    await waitFor(() => seen.every((s) => s.length === 1), 'the first push');
    // The third tab falls behind; the leader leaves as it comes back: the second tab leads, from the third's position.
    ts[2]?.disconnect();
    for (const n of range(2, 4)) server.sente.server.send('u1', ['test/n', n]);
    await waitFor(() => seen[1]?.length === 4, 'the pushes in the second tab');
    ts[0]?.disconnect();
    ts[2]?.connect();
    await waitFor(() => allOpen(ts.slice(1)), 'the tabs left open');
    server.sente.server.send('u1', ['test/n', 5]);
    await waitFor(() => seen[1]?.length === 5 && seen[2]?.length === 5, 'every push');
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.slice(1)).toEqual([range(1, 5), range(1, 5)]);
  });

  it('reconnect() in any tab (after a login) reconnects the shared connection: every tab sees the new uid', async () => {
    const ts = [tab(), tab(), tab()];
    await waitFor(() => allOpen(ts), 'every tab open');
    const uids = ts.map((t) => {
      const got: string[] = [];
      t.on('handshake', (h) => got.push(h.uid));
      return got;
    });
    uid = 'u2';
    ts[2]?.reconnect();
    await waitFor(() => ts.every((t) => t.state.open && t.state.uid === 'u2'), 'every tab on the new uid');
    expect(uids).toEqual([['u2'], ['u2'], ['u2']]);
    expect(ts.map((t) => t.state.lastClose?.reason)).toEqual(['requested-reconnect', 'requested-reconnect', 'requested-reconnect']);
    await waitFor(() => server.sente.server.stats().ajaxClients === 1, 'the old uid gone');
    expect([...server.sente.server.connectedUids.ajax]).toEqual(['u2']);
  });

  it('a tab loaded after a login joins with the new CSRF token: the shared connection takes it', async () => {
    let token = 'before';
    await server.close();
    server = await startServer({ csrfToken: () => token, msAllowReconnectBeforeCloseAjax: 1000 });
    const first = createSenteClient(server.url, 'before', { type: 'ajax', params: { uid: 'u1' }, backoffMs: () => 20, onError: () => {} });
    tabs.push(first);
    await waitFor(() => first.state.open, 'the first tab open');
    token = 'after';
    const second = createSenteClient(server.url, 'after', { type: 'ajax', params: { uid: 'u1' }, backoffMs: () => 20, onError: () => {} });
    tabs.push(second);
    const seen = [pushesOf(first), pushesOf(second)];
    await waitFor(() => second.state.open, 'the second tab open');
    server.sente.server.send('u1', ['test/n', 1]);
    await waitFor(() => seen.every((s) => s.length === 1), 'the push in both tabs');
    server.sente.server.send('u1', ['test/n', 2]);
    await waitFor(() => seen.every((s) => s.length === 2), 'the next push in both tabs');
    expect([first.state.lastClose?.reason, first.state.open, second.state.open]).toEqual(['requested-reconnect', true, true]);
  });

  it("a follower's disconnect() leaves the others connected; connect() joins again", async () => {
    const ts = [tab(), tab()];
    await waitFor(() => allOpen(ts), 'every tab open');
    expect(ts[1]?.disconnect()).toBe(true);
    expect(ts[1]?.state.lastClose?.reason).toBe('requested-disconnect');
    await expect(ts[1]?.request(['test/echo', 1], 1000)).rejects.toMatchObject({ code: 'ERR_SENTE_CLOSED' });
    expect(await ts[0]?.request(['test/echo', 0], 5000)).toMatchObject({ echo: 0 });
    ts[1]?.connect();
    await waitFor(() => ts[1]?.state.open === true, 'the tab open again');
    expect(await ts[1]?.request(['test/echo', 1], 5000)).toMatchObject({ echo: 1 });
    expect(await mostAjaxClients()).toBe(1);
  });
});
