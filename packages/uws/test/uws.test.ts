import { Buffer } from 'node:buffer';
import { afterEach, describe, expect, it, vi } from 'vitest';
import uWS from 'uWebSockets.js';
import type { TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { json, jsonForServers, jsonPacker } from '@sente/packer-json';
import { attachSente } from '../src/index.js';
import type { SenteUws, SenteUwsOptions } from '../src/index.js';
import { ajaxGet, ajaxPost, connectWs, handshake, refusedStatus, until } from '@sente/adapter-conformance/json-peer';
import type { WsPeer } from '@sente/adapter-conformance/json-peer';

interface Started {
  app: TemplatedApp;
  sente: SenteUws;
  token: us_listen_socket;
  http: string;
  ws: string;
}

const running: Started[] = [];
const peers: WsPeer[] = [];

afterEach(async () => {
  for (const p of peers.splice(0)) p.ws.terminate();
  for (const s of running.splice(0)) {
    await s.sente.close();
    uWS.us_listen_socket_close(s.token);
    s.app.close();
  }
});

async function start(options: SenteUwsOptions): Promise<Started> {
  const app = uWS.App();
  const sente = attachSente(app, options);
  sente.server.startRouter((msg) => {
    if (msg.id === 'app/echo') msg.reply?.({ echo: msg.data, uid: msg.uid });
  });
  const token = await new Promise<us_listen_socket>((resolve, reject) =>
    app.listen('127.0.0.1', 0, (t) => (t ? resolve(t) : reject(new Error('Cannot listen')))),
  );
  const port = uWS.us_socket_local_port(token);
  const started = { app, sente, token, http: `http://127.0.0.1:${port}/chsk`, ws: `ws://127.0.0.1:${port}/chsk` };
  running.push(started);
  return started;
}

async function ws(url: string, headers?: Record<string, string>): Promise<WsPeer> {
  const peer = await connectWs(url, headers);
  peers.push(peer);
  return peer;
}

const byQuery: SenteUwsOptions = { csrfToken: null, userId: (req) => req.query['user'] };

describe('@sente/uws', () => {
  it('handshakes over WebSocket, answers a request with its reply, and delivers a push', async () => {
    const { sente, ws: url } = await start(byQuery);
    const peer = await ws(`${url}?client-id=c1&user=alice`);
    expect(await peer.next()).toEqual(handshake('alice'));

    peer.send([['app/echo', { n: 1 }], 'cb1']);
    expect(await peer.next()).toEqual([{ echo: { n: 1 }, uid: 'alice' }, 'cb1']);
    peer.ws.send(Buffer.from(JSON.stringify([['app/echo', 'binary'], 'cb2'])), { binary: true });
    expect(await peer.next()).toEqual([{ echo: 'binary', uid: 'alice' }, 'cb2']);

    sente.server.send('alice', ['app/news', 'hello'], { flush: true });
    expect(await peer.next()).toEqual([[['app/news', 'hello']], null]);
  });

  it("reads a text frame as the ws adapters do: any UTF-8 intact, and a leading BOM kept, so BOM + JSON is a bad package (1007)", async () => {
    const { ws: url } = await start(byQuery);
    const peer = await ws(`${url}?client-id=c1&user=alice`);
    expect(await peer.next()).toEqual(handshake('alice'));
    const text = 'héllo ✓ 😀 \uFEFF';
    peer.send([['app/echo', text], 'cb1']);
    expect(await peer.next()).toEqual([{ echo: text, uid: 'alice' }, 'cb1']);
    peer.ws.send(`\uFEFF${JSON.stringify([['app/echo', 'x'], 'cb2'])}`);
    expect((await peer.closed).code).toBe(1007);
  });

  it('handshakes over Ajax, answers a POST with its reply, and answers a parked poll with a push', async () => {
    const { sente, http } = await start(byQuery);
    const hs = await ajaxGet(`${http}?client-id=c2&user=bob&handshake%3F=1`);
    expect(hs).toMatchObject({ status: 200, contentType: 'text/plain; charset=utf-8', body: handshake('bob') });

    const posted = await ajaxPost(`${http}?user=bob`, 'c2', [['app/echo', 'hi'], 'ajax']);
    expect(posted).toMatchObject({ status: 200, body: [{ echo: 'hi', uid: 'bob' }, null] });

    const poll = ajaxGet(`${http}?client-id=c2&user=bob`);
    await until(() => sente.server.connectedUids.ajax.has('bob'), 'the poll to park');
    sente.server.send('bob', ['app/news', 2], { flush: true });
    expect((await poll).body).toEqual([[['app/news', 2]], null]);
  });

  it('survives a client abandoning a parked poll, and queues the push for its next poll', async () => {
    const { sente, http } = await start(byQuery);
    await ajaxGet(`${http}?client-id=c2&user=bob&handshake%3F=1`);
    const abort = new AbortController();
    const abandoned = fetch(`${http}?client-id=c2&user=bob`, { signal: abort.signal }).catch(() => 'aborted');
    await until(() => sente.server.connectedUids.ajax.has('bob'), 'the poll to park');
    abort.abort();
    expect(await abandoned).toBe('aborted');
    await new Promise((r) => setTimeout(r, 50));

    sente.server.send('bob', ['app/news', 'queued'], { flush: true });
    expect((await ajaxGet(`${http}?client-id=c2&user=bob`)).body).toEqual([[['app/news', 'queued']], null]);
  });

  it('answers a refused upgrade with the status of the failed check instead of upgrading', async () => {
    const { sente, ws: url } = await start({ ...byQuery, authorized: (req) => req.query['user'] !== 'mallory' });
    expect(await refusedStatus(`${url}?client-id=c1&user=mallory`)).toBe(401);
    expect(await refusedStatus(`${url}?user=alice`)).toBe(400);
    expect(sente.server.stats().wsClients).toBe(0);
  });

  it('answers 413 to a POST over maxPayloadBytes, and closes with 1009 a socket sending a bigger frame', async () => {
    const { http, ws: url } = await start({ ...byQuery, maxPayloadBytes: 1024 });
    const res = await ajaxPost(`${http}?user=bob`, 'c2', [['app/echo', 'x'.repeat(2000)], 'ajax']);
    expect(res.status).toBe(413);
    const peer = await ws(`${url}?client-id=c1&user=alice`);
    await peer.next();
    peer.send([['app/echo', 'x'.repeat(4000)], 'cb1']);
    expect((await peer.closed).code).toBe(1009);
  });

  it('lets uWS drop a socket whose frame passes maxPayloadLength, the hard bound', async () => {
    const { ws: url } = await start({ ...byQuery, maxPayloadBytes: 1024, wsOptions: { maxPayloadLength: 2048 } });
    const peer = await ws(`${url}?client-id=c1&user=alice`);
    await peer.next();
    peer.send([['app/echo', 'x'.repeat(4000)], 'cb1']);
    expect((await peer.closed).code).toBe(1006);
  });

  it('answers 400 to a POST with an empty body', async () => {
    const { http } = await start(byQuery);
    const res = await fetch(`${http}?client-id=c1`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('Bad package: no ppstr');
  });

  it('answers 405 to other methods on its path', async () => {
    const { http } = await start(byQuery);
    const res = await fetch(`${http}?client-id=c1`, { method: 'PUT', body: 'x' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST');
  });

  it('takes the session from the session option, for the uid and the CSRF check', async () => {
    const sessions = new Map([['s1', { uid: 'dana', csrfToken: 'token-of-dana' }]]);
    const { http, ws: url } = await start({
      session: (req) => sessions.get(/(?:^|;\s*)sid=([^;]+)/.exec(req.headers['cookie'] ?? '')?.[1] ?? ''),
    });
    const cookie = 'theme=dark; sid=s1';
    const peer = await ws(`${url}?client-id=c1&csrf-token=token-of-dana`, { cookie });
    expect(await peer.next()).toEqual(handshake('dana'));
    expect(await refusedStatus(`${url}?client-id=c1&csrf-token=forged`, { cookie })).toBe(403);
    expect(await refusedStatus(`${url}?client-id=c1&csrf-token=token-of-dana`)).toBe(403);

    const ok = await ajaxPost(http, 'c2', [['app/echo', 1], 'ajax'], { cookie, 'x-csrf-token': 'token-of-dana' });
    expect(ok.body).toEqual([{ echo: 1, uid: 'dana' }, null]);
    expect((await ajaxPost(http, 'c2', [['app/echo', 1], 'ajax'], { cookie })).status).toBe(403);
  });

  it("gives a socket's events its upgrade request: query, headers, address and the copied uWS request, which costs nothing to keep, whatever keepUpgradeRaw says", async () => {
    for (const keepUpgradeRaw of [true, false, undefined]) {
      const keys: unknown[] = [];
      const { sente, ws: url } = await start({
        ...(keepUpgradeRaw === undefined ? {} : { keepUpgradeRaw }),
        csrfToken: null,
        userId: (req) => {
          keys.push(req.headers['sec-websocket-key']);
          return req.query['user'];
        },
      });
      const seen: unknown[] = [];
      sente.server.startRouter((msg) => {
        if (msg.id !== 'app/request') return;
        const { query, headers, remoteAddress, raw, websocket, method } = msg.request;
        const handshakeOnly = ['sec-websocket-key', 'sec-websocket-version', 'connection', 'upgrade'].filter((h) => headers[h] !== undefined);
        seen.push({ query: { ...query }, origin: headers['origin'], handshakeOnly, remoteAddress, raw, websocket, method });
        msg.reply?.(null);
      });
      const peer = await ws(`${url}?client-id=c1&user=erin&x=a%20b`, { origin: 'http://app.test' });
      expect(await peer.next()).toEqual(handshake('erin'));
      // Twice: the request stays whole for the socket's life, whatever was read of it.
      for (const cb of ['cb1', 'cb2']) {
        peer.send([['app/request'], cb]);
        expect(await peer.next()).toEqual([null, cb]);
      }
      const query = { 'client-id': 'c1', user: 'erin', x: 'a b' };
      // Made when read, from the fields the socket's request keeps anyway.
      const raw = { method: 'GET', url: '/chsk', query: 'client-id=c1&user=erin&x=a%20b', headers: expect.objectContaining({ origin: 'http://app.test' }), remoteAddress: '127.0.0.1' };
      // The handshake's own headers are there for the hooks, and gone once the socket is open.
      expect(keys).toEqual([expect.stringMatching(/^[A-Za-z0-9+/]{22}==$/)]);
      const one = { query, origin: 'http://app.test', handshakeOnly: [], remoteAddress: '127.0.0.1', raw, websocket: true, method: 'GET' };
      expect(seen).toEqual([one, one]);
    }
  });

  it("sends a broadcast to clients with positions as each uid's own text, the events encoded once for all the sockets", async () => {
    const { sente, ws: url } = await start(byQuery);
    const uids = ['alice', 'bob', 'carol'];
    const clients = await Promise.all(uids.map((uid) => ws(`${url}?client-id=${uid}-tab&user=${uid}&sente-ext=1`)));
    for (const peer of clients) await peer.next();
    // A 7-bit, a 16-bit and a 64-bit payload length, the last two of multi-byte characters.
    const texts = ['hi', 'é'.repeat(150), '€'.repeat(30_000)];
    const from = vi.spyOn(Buffer, 'from');
    const encoded: number[] = [];
    try {
      for (const text of texts) {
        from.mockClear();
        sente.server.broadcast(['test/news', text], { flush: true });
        encoded.push(from.mock.calls.filter(([arg]) => typeof arg === 'string' && arg.includes('test/news')).length);
      }
    } finally {
      from.mockRestore();
    }
    expect(encoded).toEqual([1, 1, 1]);
    const epochs = new Set<string>();
    for (const peer of clients) {
      const batches = [];
      for (let i = 0; i < texts.length; i++) batches.push((await peer.next()) as [unknown, null, { e: string; o: number[] }]);
      expect(batches.map(([events]) => events)).toEqual(texts.map((text) => [['test/news', text]]));
      const first = batches[0]?.[2].o[0] as number;
      expect(batches.map(([, , at]) => at.o)).toEqual([[first], [first + 1], [first + 2]]);
      expect(new Set(batches.map(([, , at]) => at.e)).size).toBe(1);
      epochs.add(batches[0]?.[2].e as string);
    }
    expect(epochs.size).toBe(uids.length);
  });

  it('packs with the JSON packer for servers by default, also in place of json; an app’s own packer stays as given', async () => {
    const mine = jsonPacker();
    for (const [packer, expected] of [[undefined, jsonForServers], [json, jsonForServers], [mine, mine]] as const) {
      const app = uWS.App();
      const sente = attachSente(app, { csrfToken: null, ...(packer === undefined ? {} : { packer }) });
      expect(sente.server.packer).toBe(expected);
      await sente.close();
      app.close();
    }
  });

  it('closes gracefully: sockets closed, polls answered, nothing left behind', async () => {
    const { sente, http, ws: url } = await start(byQuery);
    const peer = await ws(`${url}?client-id=c1&user=alice`);
    await peer.next();
    await ajaxGet(`${http}?client-id=c2&user=bob&handshake%3F=1`);
    const poll = ajaxGet(`${http}?client-id=c2&user=bob`);
    await until(() => sente.server.connectedUids.ajax.has('bob'), 'the poll to park');

    await sente.close();
    expect((await poll).body).toEqual(['chsk/timeout', null]);
    expect(await peer.closed).toEqual({ code: 1001, reason: 'Server closing' });
    expect(sente.server.stats()).toEqual({ wsClients: 0, ajaxClients: 0, timers: 0, bufferedBatches: 0, queuedBatches: 0, queuedBytes: 0, pendingReplies: 0, loggedPushes: 0, serverRequests: 0, messageIds: 0 });
    expect((await ajaxGet(`${http}?client-id=c3&handshake%3F=1`)).status).toBe(503);
  });
});
