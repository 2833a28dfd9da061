import { afterEach, describe, expect, it } from 'vitest';
import { RawHttp, serveNodeHttp } from '@sente/adapter-conformance';
import type { ConformanceServer } from '@sente/adapter-conformance';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { senteHttp } from '../src/index.js';

const servers: ConformanceServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Sente on a bare Node server, plus `extra` upgrade listeners of the app's own. */
async function start(...extra: ((req: IncomingMessage, socket: Duplex) => void)[]): Promise<{ raw: RawHttp; sente: ConformanceServer }> {
  const sente = senteHttp({ csrfToken: null });
  const served = await serveNodeHttp(sente.listener, {
    server: sente.server,
    attach(http) {
      for (const fn of extra) http.on('upgrade', fn);
      return sente.attach(http);
    },
    close: () => sente.close(),
  });
  servers.push(served);
  return { raw: new RawHttp(served.url), sente: served };
}

function upgrade(raw: RawHttp, path: string): string {
  return raw.head(`GET ${path}?client-id=c1 HTTP/1.1`, {
    connection: 'Upgrade',
    upgrade: 'websocket',
    'sec-websocket-version': 13,
    'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
  });
}

describe('@sente/node upgrades', () => {
  // The Node adapters (node, Express, Koa) all upgrade through attachUpgrade.
  it('answers 404 "Not found" to an upgrade to another path when no other listener handles upgrades', async () => {
    const { raw } = await start();
    expect(await raw.send(upgrade(raw, '/elsewhere'))).toMatchObject({ status: 404, body: 'Not found', headers: { connection: 'close' } });
  });

  it("leaves upgrades to other paths to the app's own upgrade listener", async () => {
    const { raw } = await start((req, socket) => {
      if (req.url?.startsWith('/app-socket')) socket.end('HTTP/1.1 418 I\'m a Teapot\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    });
    expect((await raw.send(upgrade(raw, '/app-socket'))).status).toBe(418);
    expect((await raw.send(upgrade(raw, '/chsk'))).status).toBe(101);
  });
});
