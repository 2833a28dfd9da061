import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SenteExpressOptions } from '@sente/express';
import { startServer } from './support/server.js';
import type { TestServer } from './support/server.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

let browser: Browser;
let pageScript: string;
let server: TestServer | undefined;
let page: Page | undefined;

beforeAll(async () => {
  const bundled = await build({
    entryPoints: [fileURLToPath(new URL('./support/browser-page.ts', import.meta.url))],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    conditions: ['@sente/source'],
    logLevel: 'silent',
  });
  pageScript = bundled.outputFiles[0]?.text ?? '';
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  await page?.close();
  page = undefined;
  await server?.close();
  server = undefined;
});

/** Serves the page and the bundled client next to Sente, and opens it in Chromium. */
async function openPage(options: SenteExpressOptions = {}): Promise<{ page: Page; server: TestServer }> {
  const s = await startServer(options, {
    setup(app) {
      app.get('/', (_req, res) => {
        res.type('html').send('<!doctype html><title>sente</title><script type="module" src="/page.js"></script>');
      });
      app.get('/page.js', (_req, res) => {
        res.type('js').send(pageScript);
      });
    },
  });
  server = s;
  page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${s.origin}/?uid=brow`);
  await page.waitForFunction(() => window.sente?.state().open === true, undefined, { timeout: 10_000 });
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
