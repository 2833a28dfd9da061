import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { serveNodeHttp } from '@sente/adapter-conformance';
import type { Socket } from 'node:net';
import type { ConformanceServer } from '@sente/adapter-conformance';
import { senteHttp } from '../src/index.js';

const servers: ConformanceServer[] = [];
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A socket whose frames, after the handshake, are collected in order. */
async function connect(url: string): Promise<{ ws: WebSocket; frames: unknown[] }> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}?client-id=tab-1&uid=alice`, { perMessageDeflate: false });
  sockets.push(ws);
  const frames: unknown[] = [];
  let handshake = false;
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (data) => {
      if (handshake) frames.push(JSON.parse(String(data)));
      else (handshake = true), resolve();
    });
    ws.on('error', reject);
  });
  return { ws, frames };
}

/** Sends `texts` as frames written to the TCP socket at once, so that the server reads them in one chunk. */
function sendTogether(ws: WebSocket, texts: string[]): void {
  const tcp = (ws as unknown as { _socket: Socket })._socket;
  tcp.cork();
  for (const t of texts) ws.send(t);
  tcp.uncork();
}

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('@sente/node replies to the frames of one chunk (written together)', () => {
  it('answers every request of a chunk, in order, with the replies given later and the pushes in between in their place', async () => {
    const sente = senteHttp({ csrfToken: null, userId: (req) => req.query['uid'] });
    const served = await serveNodeHttp(sente.listener, sente);
    servers.push(served);
    served.server.startRouter(async (msg) => {
      if (msg.id === 'test/now') msg.reply?.(['now', msg.data]);
      if (msg.id === 'test/push') served.server.send(msg.uid, ['test/pushed', msg.data], { flush: true });
      if (msg.id === 'test/later') {
        await new Promise((r) => setTimeout(r, 20));
        msg.reply?.(['later', msg.data]);
      }
    });
    const { ws, frames } = await connect(served.url);
    sendTogether(ws, [
      '[["test/now",1],"c1"]',
      '[["test/later",2],"c2"]',
      '[["test/push",3],null]',
      '[["test/now",4],"c4"]',
      '[["test/now",5],"c5"]',
    ]);
    await until(() => frames.length === 5);
    expect(frames).toEqual([[['now', 1], 'c1'], [[['test/pushed', 3]], null], [['now', 4], 'c4'], [['now', 5], 'c5'], [['later', 2], 'c2']]);
    // The socket takes frames as before: one more request, alone, is answered too.
    ws.send('[["test/now",6],"c6"]');
    await until(() => frames.length === 6);
    expect(frames[5]).toEqual([['now', 6], 'c6']);
  });
});
