import { afterEach, describe, expect, it } from 'vitest';
import express from 'express';
import { execFile } from 'node:child_process';
import { IncomingMessage, ServerResponse, createServer } from 'node:http';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { senteExpress } from '../src/index.js';

// The default path (Sente's middleware in the app) once `attach()` ran: Sente's Ajax requests get
// Express's prototypes and dictionary mode before the app, and the app sees them as it would without.

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Request and response classes of a server's own (`http.createServer({ IncomingMessage, ServerResponse })`). */
class OwnRequest extends IncomingMessage {}
class OwnResponse<R extends IncomingMessage> extends ServerResponse<R> {}

interface Seen {
  readonly url: string;
  readonly requestProto: boolean;
  readonly responseProto: boolean;
  readonly app: boolean;
  readonly keys: readonly string[];
  readonly locals: string;
  readonly host: string | undefined;
}

/** An app whose own middleware, before Sente's, notes what it sees and sets a session; `wrap` serves it through a plain function. */
async function start(opts: { attach: boolean; wrap?: boolean; ownClasses?: boolean }) {
  const app = express();
  const seen: Seen[] = [];
  const sessions: unknown[] = [];
  app.use((req, res, next) => {
    (req as { session?: unknown }).session = { user: 'carol' };
    res.locals['from'] = 'app';
    seen.push({
      url: req.url,
      requestProto: Object.getPrototypeOf(req) === app.request,
      responseProto: Object.getPrototypeOf(res) === app.response,
      app: req.app === app,
      keys: Reflect.ownKeys(req).map(String),
      locals: JSON.stringify(res.locals),
      host: req.get('host'),
    });
    next();
  });
  const sente = senteExpress({
    csrfToken: null,
    userId: (req) => {
      sessions.push(req.session);
      return req.raw.get('x-user');
    },
  });
  app.use(sente.middleware);
  app.get('/page', (_req, res) => void res.send('page'));
  const listener = opts.wrap === true ? (req: IncomingMessage, res: ServerResponse) => app(req, res) : app;
  const http: HttpServer = (opts.ownClasses === true ? createServer({ IncomingMessage: OwnRequest, ServerResponse: OwnResponse }, listener) : createServer(listener)).listen(0, '127.0.0.1');
  await once(http, 'listening');
  const before = http.listeners('request');
  if (opts.attach) sente.attach(http);
  cleanups.push(async () => {
    await sente.close();
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return { app, sente, http, before, seen, sessions, base };
}

async function visit(base: string): Promise<void> {
  const hs = await fetch(`${base}/chsk?client-id=c1&handshake%3F=1`, { headers: { 'x-user': 'dave' } });
  expect(hs.status).toBe(200);
  expect(await hs.text()).toContain('"dave"');
  const page = await fetch(`${base}/page`);
  expect(await page.text()).toBe('page');
}

describe('Sente through the app, attached', () => {
  it("shows the app's middleware and the hooks the same request and response as without attach()", async () => {
    const attached = await start({ attach: true });
    const alone = await start({ attach: false });
    await visit(attached.base);
    await visit(alone.base);
    expect(attached.seen.map((s) => s.url)).toEqual(['/chsk?client-id=c1&handshake%3F=1', '/page']);
    for (const s of attached.seen) expect(s).toMatchObject({ requestProto: true, responseProto: true, app: true, locals: '{"from":"app"}' });
    expect(attached.seen.map(({ host: _h, ...s }) => s)).toEqual(alone.seen.map(({ host: _h, ...s }) => s));
    expect(attached.seen[0]?.host).toBe(attached.base.slice('http://'.length));
    expect(attached.sessions).toEqual([{ user: 'carol' }]);
    expect(alone.sessions).toEqual([{ user: 'carol' }]);
  });

  it("builds the server's requests and responses with the app's prototypes, and gives the server its own classes back on close", async () => {
    const { app, sente, http, before, base } = await start({ attach: true });
    const born: boolean[] = [];
    // Before the app: the prototypes are already the app's.
    http.prependListener('request', (req: IncomingMessage, res: ServerResponse) => void born.push(Object.getPrototypeOf(req) === app.request && Object.getPrototypeOf(res) === app.response));
    expect(http.listeners('request').slice(1)).toEqual(before);
    await visit(base);
    expect(born).toEqual([true, true]);
    await sente.close();
    const plain = await fetch(`${base}/page`);
    expect(await plain.text()).toBe('page');
    expect(born).toEqual([true, true, false]);
  });

  it("puts Sente's requests in dictionary mode before the app when the server has classes of its own, and takes its listener off on close", async () => {
    const { sente, http, before, base, seen } = await start({ attach: true, ownClasses: true });
    expect(http.listenerCount('request')).toBe(before.length + 1);
    await visit(base);
    expect(seen.map((s) => s.requestProto)).toEqual([true, true]);
    await sente.close();
    expect(http.listeners('request')).toEqual(before);
  });

  it('adds no request listener when no listener of the server is an Express app', async () => {
    const { http, before, base, seen } = await start({ attach: true, wrap: true });
    expect(http.listeners('request')).toEqual(before);
    await visit(base);
    expect(seen.map((s) => s.requestProto)).toEqual([true, true]);
  });

  it("gives Sente's requests one hidden class through the app, where Express alone makes one per request", async () => {
    // V8's %HaveSameMap needs --allow-natives-syntax: the probe runs in its own process.
    const probe = fileURLToPath(new URL('./fixtures/shape-probe.ts', import.meta.url));
    const run = async (...args: string[]) => {
      const { stdout } = await promisify(execFile)(process.execPath, ['--allow-natives-syntax', '--conditions=@sente/source', '--import', 'tsx', probe, ...args], { timeout: 60_000 });
      return JSON.parse(stdout) as { pairs: number; sameRequestShape: number; sameResponseShape: number };
    };
    // With classes of its own, the server's requests go to dictionary mode, whose hidden class V8 finds in a
    // small cache keyed by a hash of addresses, which a full GC empties: a request after one makes a new
    // class, and in the rare process where another object's hash collides with it, the requests keep
    // making their own. So two processes there, one must share nearly always.
    const [born, own1, own2, alone] = await Promise.all([run('attach'), run('attach', 'own-classes'), run('attach', 'own-classes'), run()]);
    expect(born).toEqual({ pairs: 25, sameRequestShape: 25, sameResponseShape: 25 });
    const shared = (r: typeof born): boolean => r.pairs === 25 && r.sameRequestShape >= 23 && r.sameResponseShape >= 23;
    expect([own1, own2].filter(shared), JSON.stringify([own1, own2])).not.toEqual([]);
    expect(alone).toEqual({ pairs: 25, sameRequestShape: 0, sameResponseShape: 0 });
    // Four child processes that load TypeScript on a busy machine.
  }, 60_000);
});
