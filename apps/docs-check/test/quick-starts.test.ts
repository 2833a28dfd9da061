import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import express from 'express';
import { WebSocket } from 'ws';
import { createSenteClient } from '@sente/client';
import type { SenteClient } from '@sente/client';
import { ALL_USERS_WITHOUT_UID } from '@sente/core';
import { senteExpress } from '@sente/express';
import { serveNodeHttp } from '@sente/adapter-conformance';
import type { Browser, Page } from 'playwright-core';
import { bundleForBrowser, launchChromium, recordConsole } from '../src/browser.js';
import { allBlocks } from '../src/docs.js';
import { blockName } from '../src/extract.js';
import type { DocBlock } from '../src/extract.js';
import { RUN_DIR, listeningPort, runBlock } from '../src/processes.js';
import type { RunningBlock } from '../src/processes.js';
import { dialPort, listenOnLoopbackPortZero } from '../src/rewrite.js';
import { blockSource } from '../src/typecheck.js';
import { expectedRunFailure } from './expected-failures.js';

// The quick starts, run as written: each server block in its own process
// (moved to port 0 of 127.0.0.1, nothing else changed), its client block
// against it, in Node or in Chromium as the doc says.

const blocks = allBlocks();
const cleanups: (() => Promise<void> | void)[] = [];
let browser: Browser | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await browser?.close();
});

/** Secrets the guides read from the environment, as their readers set them. */
const ENV = { SECRET: 'a'.repeat(64), SESSION_SECRET: 'b'.repeat(64), SESSION_KEY: 'c'.repeat(64) };

function block(name: string): DocBlock {
  const found = blocks.find((b) => blockName(b) === name);
  if (!found) throw new Error(`${name}: no such block (did the doc change?)`);
  expect(found.fragment, `${name} is a quick start, not a fragment`).toBe(false);
  return found;
}

const fileName = (name: string): string => name.replace(/[^A-Za-z0-9]+/g, '-');

function run(name: string, source: string): RunningBlock {
  const r = runBlock(fileName(name), source, ENV);
  cleanups.push(() => r.stop());
  return r;
}

/** Runs a server block on port 0 of 127.0.0.1 and returns its port. */
async function startServer(name: string): Promise<number> {
  const r = run(name, listenOnLoopbackPortZero(block(name).code, name));
  return listeningPort(r);
}

/** A Node client of the tests' own, as a user of the server would write. */
async function nodeClient(port: number, user: string): Promise<SenteClient> {
  const client = createSenteClient(`http://127.0.0.1:${port}/chsk`, null, { WebSocket: WebSocket as never, params: { user } });
  cleanups.push(() => void client.disconnect());
  await new Promise<void>((resolve) => client.on('handshake', () => resolve()));
  return client;
}

async function newPage(): Promise<Page> {
  const context = await (browser as Browser).newContext();
  cleanups.push(() => context.close());
  return context.newPage();
}

/** The page's script, `/client.js`: the bundle of a client block, or nothing. */
async function serveClientScript(page: Page, name?: string): Promise<void> {
  let script = '';
  if (name !== undefined) {
    const file = join(RUN_DIR, `${fileName(name)}.ts`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, blockSource(block(name)));
    script = await bundleForBrowser(file);
  }
  await page.route('**/client.js', (route) => route.fulfill({ contentType: 'text/javascript', body: script }));
}

/** Loads the probe client on the page: a WebSocket client and an Ajax client, each reporting its handshake. */
async function expectBothTransportsConnect(page: Page, seen: { lines: string[] }): Promise<void> {
  await page.addScriptTag({ type: 'module', content: await bundleForBrowser(join(import.meta.dirname, '../src/probe.ts')) });
  await expect.poll(() => seen.lines.filter((l) => l.startsWith('handshake ')).sort(), { timeout: 15_000 }).toEqual([
    'handshake ajax ajax sente/nil-uid',
    'handshake ws ws sente/nil-uid',
  ]);
}

/** Waits for a pending block to fail the way its entry says; fails loudly once it works. */
async function expectStillFails(name: string, output: () => string): Promise<void> {
  const { runFails = '' } = expectedRunFailure(name) ?? {};
  await expect
    .poll(output, { timeout: 15_000, message: `${name} no longer fails with "${runFails}": if it works now, remove it from PENDING_LIBRARY_FIX` })
    .toContain(runFails);
}

const pendingTitle = (name: string, what: string): string => {
  const pending = expectedRunFailure(name);
  return pending ? `${what} (${name} still fails, only because ${pending.reason})` : what;
};

describe('the README quick start (Express)', () => {
  it(pendingTitle('README.md#2', 'serves replies and pushes to the client, as written'), async () => {
    const port = await startServer('README.md#1');
    // The server half, with a client of the tests' own.
    const probe = await nodeClient(port, 'alice');
    expect(await probe.request(['chat/hello', {}], 5000)).toEqual({ hi: 'alice' });

    const client = run('README.md#2', dialPort(block('README.md#2').code, port, 'README.md#2'));
    if (expectedRunFailure('README.md#2')) {
      await expectStillFails('README.md#2', () => (client.child.exitCode === null ? '' : client.output()));
      return;
    }
    await expect.poll(() => client.output(), { timeout: 15_000 }).toContain("reply { hi: 'alice' }");
    await expect.poll(() => client.output(), { timeout: 15_000 }).toMatch(/open\? true over ws[\s\S]*tick \d+/);
  });
});

describe('getting started', () => {
  it(pendingTitle('docs/guides/getting-started.md#2', 'serves its page; the browser client sends with a reply'), async () => {
    const port = await startServer('docs/guides/getting-started.md#1');
    const page = await newPage();
    const seen = recordConsole(page);
    await serveClientScript(page, 'docs/guides/getting-started.md#2');
    await page.goto(`http://127.0.0.1:${port}/`);
    await expectBothTransportsConnect(page, seen);

    if (expectedRunFailure('docs/guides/getting-started.md#2')) {
      await expectStillFails('docs/guides/getting-started.md#2', () => seen.lines.join('\n'));
      return;
    }
    await expect.poll(() => seen.lines, { timeout: 15_000 }).toContain('reply {"ok":true}');
    await expect.poll(() => seen.lines, { timeout: 15_000 }).toContain('said {"from":"sente/nil-uid","text":"hello"}');
  });
});

describe('the adapter guides’ session and CSRF examples', () => {
  for (const name of ['docs/guides/express.md#1', 'docs/guides/fastify.md#2', 'docs/guides/koa.md#1']) {
    it(`${name}: its page's CSRF token opens Sente over WebSocket and Ajax in Chromium`, async () => {
      const port = await startServer(name);
      const page = await newPage();
      const seen = recordConsole(page);
      await serveClientScript(page);
      await page.goto(`http://127.0.0.1:${port}/`);
      await expectBothTransportsConnect(page, seen);
    });
  }

  it('docs/guides/fastify.md#2: its login sets the uid, and the new token it returns opens Sente as that user', async () => {
    const port = await startServer('docs/guides/fastify.md#2');
    const page = await newPage();
    const seen = recordConsole(page);
    await serveClientScript(page);
    await page.goto(`http://127.0.0.1:${port}/`);
    await expectBothTransportsConnect(page, seen);
    const login = await page.evaluate(async () => {
      const token = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';
      const res = await fetch('/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': token },
        body: JSON.stringify({ user: 'alice' }),
      });
      return (await res.json()) as { uid: string; csrfToken: string };
    });
    expect(login.uid).toBe('alice');
    await page.evaluate((token) => (globalThis as unknown as { senteProbe(t: string): void }).senteProbe(token), login.csrfToken);
    await expect.poll(() => seen.lines.filter((l) => l.endsWith(' alice')).sort(), { timeout: 15_000 }).toEqual([
      'handshake ajax ajax alice',
      'handshake ws ws alice',
    ]);
  });
});

describe('the packages’ READMEs', () => {
  for (const pkg of ['express', 'fastify', 'koa', 'uws']) {
    const name = `packages/${pkg}/README.md#1`;
    it(`${name}: answers chat/hello with a reply`, async () => {
      const port = await startServer(name);
      const client = await nodeClient(port, 'alice');
      expect(client.state.uid).toBe('alice');
      expect(await client.request(['chat/hello', {}], 5000)).toEqual({ hi: 'alice' });
    });
  }

  it('packages/node/README.md#1: serves Sente on a bare http.Server', async () => {
    const port = await startServer('packages/node/README.md#1');
    const client = await nodeClient(port, 'alice');
    expect(client.state).toMatchObject({ open: true, type: 'ws', uid: 'alice' });
  });

  describe('@sente/client, against a server of the tests’ own', () => {
    async function chatServer(): Promise<{ port: number; sente: ReturnType<typeof senteExpress> }> {
      const sente = senteExpress({ csrfToken: null });
      sente.server.startRouter((msg) => {
        if (msg.id === 'chat/say') {
          sente.server.broadcast(['chat/said', msg.data]);
          msg.reply?.({ ok: true });
        }
        if (msg.id === 'chat/users') msg.reply?.([...sente.server.connectedUids.any]);
      });
      const app = express();
      app.get('/', (_req, res) => void res.send('<!doctype html><meta name="csrf-token" content="t0k3n"><script type="module" src="/client.js"></script>'));
      app.use(sente.middleware);
      const served = await serveNodeHttp(app, sente);
      cleanups.push(served.close);
      return { port: Number(new URL(served.url).port), sente };
    }

    it('packages/client/README.md#2: the Node quick start hears pushes', async () => {
      const { port, sente } = await chatServer();
      const client = run('packages/client/README.md#2', dialPort(block('packages/client/README.md#2').code, port, 'client README'));
      await expect.poll(() => sente.server.connectedUids.any.size, { timeout: 15_000 }).toBe(1);
      sente.server.send(ALL_USERS_WITHOUT_UID, ['chat/news', 'hello']);
      await expect.poll(() => client.output(), { timeout: 15_000 }).toContain('pushed chat/news hello');
    });

    it(pendingTitle('packages/client/README.md#1', 'packages/client/README.md#1: the browser quick start sends, and requests the users'), async () => {
      const { port } = await chatServer();
      const page = await newPage();
      const seen = recordConsole(page);
      await serveClientScript(page, 'packages/client/README.md#1');
      await page.goto(`http://127.0.0.1:${port}/`);
      if (expectedRunFailure('packages/client/README.md#1')) {
        await expectStillFails('packages/client/README.md#1', () => seen.errors.join('\n'));
        return;
      }
      await expect.poll(() => seen.lines, { timeout: 15_000 }).toContain('ready as sente/nil-uid');
      await expect.poll(() => seen.lines, { timeout: 15_000 }).toContain('said {"text":"hello"}');
      await expect.poll(() => seen.lines, { timeout: 15_000 }).toContain('users ["sente/nil-uid"]');
    });
  });
});
