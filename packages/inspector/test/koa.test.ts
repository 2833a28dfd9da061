import { afterEach, describe, expect, it } from 'vitest';
import Koa from 'koa';
import { senteKoa } from '@sente/koa';
import { nodeRequest } from '@sente/node';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInspector } from '../src/index.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** Koa with the inspector at /ops/inspector, for requests that carry the `x-ops: yes` header. */
async function startKoa(): Promise<string> {
  const app = new Koa();
  const sente = senteKoa({ app, csrfToken: null, userId: (req) => req.query['uid'] ?? null });
  const inspector = createInspector(sente.server, { path: '/ops/inspector', authorize: (req) => req.headers['x-ops'] === 'yes' });
  const feed = senteKoa({ app, ...inspector.feedOptions });
  inspector.serve(feed.server);
  app.use(async (ctx, next) => {
    const r = await inspector.page(nodeRequest(ctx.req, ctx, false), ctx.path);
    if (r === undefined) return next();
    ctx.status = r.status;
    ctx.set({ ...r.headers });
    ctx.body = r.body;
  });
  app.use(feed.middleware).use(sente.middleware);
  const http = await new Promise<HttpServer>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  sente.attach(http);
  feed.attach(http);
  close = async () => {
    inspector.close();
    await Promise.all([feed.close(), sente.close()]);
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  };
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

describe('the inspector on Koa', () => {
  it('serves the page to an authorized viewer, whose feed handshake passes with the page\'s token', async () => {
    const origin = await startKoa();
    const ops = { 'x-ops': 'yes' };
    const page = await fetch(`${origin}/ops/inspector`, { headers: ops });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('data-feed="/ops/inspector/chsk"');
    const token = /data-csrf="([^"]+)"/.exec(html)?.[1] ?? '';
    const handshake = (csrf: string, headers: Record<string, string>): Promise<Response> =>
      fetch(`${origin}/ops/inspector/chsk?client-id=viewer-1&handshake%3F=true&csrf-token=${encodeURIComponent(csrf)}`, { headers });
    expect((await handshake(token, ops)).status).toBe(200);
    expect((await handshake('forged', ops)).status).toBe(403);
    const refused = await handshake(token, {});
    expect([refused.status, await refused.text()]).toEqual([403, 'Forbidden']);
    expect((await fetch(`${origin}/ops/inspector`)).status).toBe(403);
  });
});
