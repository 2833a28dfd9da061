import express from 'express';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import WebSocket from 'ws';
import { senteExpress } from '@sente/express';
import type { SenteExpressOptions } from '@sente/express';
import { createSenteClient } from '@sente/client';
import type { SenteClient } from '@sente/client';
import type { Request } from 'express';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInspector, createInspectorProbe } from '../../src/index.js';
import type { Inspector, InspectorOptions } from '../../src/index.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Launches headless Chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/** The cookie that the test app's `authorize` asks for. */
export const PASS = { name: 'inspector-pass', value: 'let-me-in' } as const;

/** An app on Express at 127.0.0.1 with the inspector at `/inspector`. */
export interface TestApp {
  readonly origin: string;
  readonly inspector: Inspector<Request>;
  /** A real client of the app (uid from the `uid` query param), closed by {@link close}. */
  connect(uid: string, type: 'ws' | 'ajax'): SenteClient;
  close(): Promise<void>;
}

/**
 * Starts the app: uid from the query, no CSRF check; a router that answers
 * `load/ping` with a push `load/pong`; the inspector, sampling every 200 ms,
 * authorized by the {@link PASS} cookie unless `options` say otherwise.
 */
export async function startApp(options: Partial<InspectorOptions<Request>> = {}, serverOptions: Partial<SenteExpressOptions> = {}): Promise<TestApp> {
  const probe = createInspectorProbe();
  const sente = senteExpress({
    ...serverOptions,
    ...probe.serverOptions,
    csrfToken: null,
    userId: (req) => req.query['uid'] ?? null,
    // A client that leaves is gone at once, so that the page can show it.
    msAllowReconnectBeforeCloseWs: 100,
    msAllowReconnectBeforeCloseAjax: 300,
  });
  sente.server.startRouter((msg) => {
    if (msg.id === 'load/ping') sente.server.send(msg.uid, ['load/pong', msg.data]);
  });
  const inspector = createInspector(sente.server, {
    probe,
    intervalMs: 200,
    authorize: (req) => (req.headers.cookie ?? '').includes(`${PASS.name}=${PASS.value}`),
    actions: { disconnect: true, testPush: true },
    ...options,
  });
  const feed = senteExpress(inspector.feedOptions);
  inspector.serve(feed.server);
  const app = express();
  app.use(inspector.nodeHandler, feed.middleware, sente.middleware);
  const http = await new Promise<HttpServer>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  sente.attach(http);
  feed.attach(http);
  const origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const clients: SenteClient[] = [];
  return {
    origin,
    inspector,
    connect(uid, type) {
      const c = createSenteClient(`${origin}/chsk`, null, { type, WebSocket: WebSocket as never, params: { uid } });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.disconnect();
      inspector.close();
      await Promise.all([feed.close(), sente.close()]);
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** A viewer of the feed in Node: a Sente client with the pass, and the page's token. */
export async function nodeViewer(origin: string): Promise<SenteClient> {
  const cookie = `${PASS.name}=${PASS.value}`;
  const html = await (await fetch(`${origin}/inspector`, { headers: { cookie } })).text();
  const token = /data-csrf="([^"]+)"/.exec(html)?.[1] ?? '';
  class WithPass extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers: { cookie } });
    }
  }
  return createSenteClient(`${origin}/inspector/chsk`, token, { type: 'ws', WebSocket: WithPass as never });
}
