import { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { serveNodeHttp } from '@sente/adapter-conformance';
import type { ConformanceServer } from '@sente/adapter-conformance';
import { json, jsonForServers, jsonPacker } from '@sente/packer-json';
import { senteHttp } from '../src/index.js';
import type { NodeSenteOptions } from '../src/index.js';

const servers: ConformanceServer[] = [];
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: Partial<NodeSenteOptions<unknown>> = {}): Promise<ConformanceServer> {
  const sente = senteHttp({ csrfToken: null, userId: (req) => req.query['uid'], ...options });
  const served = await serveNodeHttp(sente.listener, sente);
  servers.push(served);
  return served;
}

/** A socket of `uid` and the events of every push batch it receives, in order. */
async function connect(url: string, uid: string, perMessageDeflate = false): Promise<{ ws: WebSocket; events: unknown[][] }> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}?client-id=${uid}-tab&uid=${uid}`, { perMessageDeflate });
  sockets.push(ws);
  const events: unknown[][] = [];
  let handshake = false;
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (data) => {
      const [content] = JSON.parse(String(data)) as [unknown[]];
      // The first frame is the handshake; every other one a push batch.
      if (handshake) events.push(...(content as unknown[][]));
      else (handshake = true), resolve();
    });
    ws.on('error', reject);
  });
  return { ws, events };
}

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('@sente/node broadcasts (one frame built for all the sockets)', () => {
  it('delivers broadcasts of every frame length intact and in order to every socket', async () => {
    const served = await start();
    const peers = await Promise.all(['alice', 'bob', 'carol'].map((uid) => connect(served.url, uid)));
    // A 7-bit, a 16-bit and a 64-bit payload length (RFC 6455 §5.2), the last of multi-byte characters.
    const texts = ['hi', 'é'.repeat(150), '€'.repeat(30_000)];
    for (const text of texts) served.server.broadcast(['test/news', text], { flush: true });
    await until(() => peers.every((p) => p.events.length === texts.length));
    for (const p of peers) expect(p.events).toEqual(texts.map((text) => ['test/news', text]));
  });

  it('keeps the order of a socket that compresses (permessage-deflate): its broadcasts queue behind its compressed frames', async () => {
    const served = await start({ wsOptions: { perMessageDeflate: { threshold: 0 } } });
    const alice = await connect(served.url, 'alice', true);
    const bob = await connect(served.url, 'bob', true);
    const big = 'x'.repeat(256 * 1024);
    // Bob's big push is still being compressed when the broadcast goes out: the broadcast must not overtake it.
    served.server.send('bob', ['test/big', big], { flush: true });
    served.server.broadcast(['test/news', 1], { flush: true });
    await until(() => bob.events.length === 2 && alice.events.length === 1);
    expect(bob.events.map((e) => e[0])).toEqual(['test/big', 'test/news']);
    expect(alice.events).toEqual([['test/news', 1]]);
  });
});

/** RFC 6455 §5.2: whether `b` is one whole unmasked text frame (a server's), header and payload. */
function wholeTextFrame(b: Buffer): boolean {
  const len7 = (b[1] as number) & 0x7f;
  const head = len7 < 126 ? 2 : len7 === 126 ? 4 : 10;
  const len = len7 < 126 ? len7 : len7 === 126 ? b.readUInt16BE(2) : Number(b.readBigUInt64BE(2));
  return b.length === head + len;
}

/** Records every server text frame written to a TCP socket (unmasked, 0x81: a client's frames are masked), one entry per write. */
function spyServerFrames(): { frames: Buffer[]; spy: { mockRestore(): void } } {
  const frames: Buffer[] = [];
  const real = Socket.prototype.write;
  const spy = vi.spyOn(Socket.prototype, 'write').mockImplementation(function (this: Socket, ...args: unknown[]) {
    const b = args[0];
    if (Buffer.isBuffer(b) && b[0] === 0x81 && ((b[1] as number) & 0x80) === 0) frames.push(b);
    return Reflect.apply(real, this, args) as boolean;
  });
  return { frames, spy };
}

describe('@sente/node text frames (each one buffer, one write)', () => {
  it('writes every text frame, a send to one uid as a broadcast, as one buffer with its header, and delivers it intact', async () => {
    const served = await start();
    const alice = await connect(served.url, 'alice');
    const bob = await connect(served.url, 'bob');
    const { frames, spy } = spyServerFrames();
    // A 7-bit, a 16-bit and a 64-bit payload length, the last of multi-byte characters: to alice alone, then to all.
    const texts = ['hi', 'é'.repeat(150), '€'.repeat(30_000)];
    try {
      for (const text of texts) served.server.send('alice', ['test/mine', text], { flush: true });
      served.server.broadcast(['test/news', 1], { flush: true });
      await until(() => alice.events.length === texts.length + 1 && bob.events.length === 1);
    } finally {
      spy.mockRestore();
    }
    expect(alice.events).toEqual([...texts.map((text) => ['test/mine', text]), ['test/news', 1]]);
    expect(bob.events).toEqual([['test/news', 1]]);
    // Three sends and a broadcast to two sockets: five frames, each written whole.
    expect(frames.length).toBe(5);
    expect(frames.filter((f) => !wholeTextFrame(f))).toEqual([]);
  });
});

describe('@sente/node positioned broadcasts (events encoded once, each socket its own position)', () => {
  it('gives each client of the extensions its own epoch and offset after the same events, every frame whole, the events encoded once', async () => {
    const served = await start();
    const peers = await Promise.all(
      ['alice', 'bob', 'carol'].map(async (uid) => {
        const ws = new WebSocket(`${served.url.replace('http', 'ws')}?client-id=${uid}-tab&uid=${uid}&sente-ext=1`);
        sockets.push(ws);
        const batches: [unknown[][], null, { e: string; o: number[] }][] = [];
        await new Promise<void>((resolve, reject) => {
          let handshake = false;
          ws.on('message', (data) => {
            if (handshake) batches.push(JSON.parse(String(data)) as (typeof batches)[number]);
            else (handshake = true), resolve();
          });
          ws.on('error', reject);
        });
        return { uid, batches };
      }),
    );
    const { frames, spy: write } = spyServerFrames();
    const from = vi.spyOn(Buffer, 'from');
    // A 7-bit, a 16-bit and a 64-bit payload length, the last two of multi-byte characters.
    const texts = ['hi', 'é'.repeat(150), '€'.repeat(30_000)];
    const encoded: number[] = [];
    try {
      for (const text of texts) {
        from.mockClear();
        served.server.broadcast(['test/news', text], { flush: true });
        encoded.push(from.mock.calls.filter(([arg]) => typeof arg === 'string' && arg.includes('test/news')).length);
      }
      await until(() => peers.every((p) => p.batches.length === texts.length));
    } finally {
      write.mockRestore();
      from.mockRestore();
    }
    const epochs = new Set<string>();
    for (const p of peers) {
      expect(p.batches.map(([events]) => events)).toEqual(texts.map((text) => [['test/news', text]]));
      // One epoch per uid's log, and the offsets of its three pushes in order.
      expect(new Set(p.batches.map(([, , at]) => at.e)).size).toBe(1);
      epochs.add(p.batches[0]?.[2].e as string);
      const first = p.batches[0]?.[2].o[0] as number;
      expect(p.batches.map(([, , at]) => at.o)).toEqual([[first], [first + 1], [first + 2]]);
    }
    expect(epochs.size).toBe(peers.length);
    // Three broadcasts to three sockets: nine frames, each whole, each broadcast's events encoded once for the three.
    expect(frames.length).toBe(9);
    expect(frames.filter((f) => !wholeTextFrame(f))).toEqual([]);
    expect(encoded).toEqual([1, 1, 1]);
  });
});

describe('the default packer', () => {
  it('is the JSON packer for servers (a broadcast packed once for clients with positions), also in place of json; an app’s own packer stays as given', async () => {
    const mine = jsonPacker();
    for (const [packer, expected] of [[undefined, jsonForServers], [json, jsonForServers], [mine, mine]] as const) {
      const sente = senteHttp({ csrfToken: null, ...(packer === undefined ? {} : { packer }) });
      expect(sente.server.packer).toBe(expected);
      await sente.close();
    }
  });
});
