import { getHeapSnapshot } from 'node:v8';
import { afterEach, expect, it } from 'vitest';
import uWS from 'uWebSockets.js';
import type { TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { attachSente } from '../src/index.js';
import type { SenteUws, SenteUwsOptions } from '../src/index.js';
import { connectWs } from '@sente/adapter-conformance/json-peer';
import type { WsPeer } from '@sente/adapter-conformance/json-peer';

let app: TemplatedApp | undefined;
let sente: SenteUws | undefined;
let token: us_listen_socket | undefined;
const peers: WsPeer[] = [];

afterEach(async () => {
  for (const p of peers.splice(0)) p.ws.terminate();
  await sente?.close();
  if (token) uWS.us_listen_socket_close(token);
  app?.close();
  app = sente = token = undefined;
});

/** Sente on a uWS app listening on a free port, and the WebSocket URL of its path. */
async function start(options: SenteUwsOptions): Promise<{ url: string; server: SenteUws['server'] }> {
  const started = uWS.App();
  app = started;
  sente = attachSente(started, options);
  token = await new Promise<us_listen_socket>((resolve, reject) => started.listen('127.0.0.1', 0, (t) => (t ? resolve(t) : reject(new Error('Cannot listen')))));
  return { url: `ws://127.0.0.1:${uWS.us_socket_local_port(token)}/chsk`, server: sente.server };
}

/** How many live objects in this process have every one of `keys` as their own properties (from a heap snapshot). */
async function liveObjectsWith(keys: readonly string[]): Promise<number> {
  let text = '';
  for await (const chunk of getHeapSnapshot()) text += chunk as string;
  const snap = JSON.parse(text) as {
    snapshot: { meta: { node_fields: string[]; edge_fields: string[]; node_types: [string[]]; edge_types: [string[]] } };
    nodes: number[];
    edges: number[];
    strings: string[];
  };
  const { node_fields: nf, edge_fields: ef, node_types: [nodeTypes], edge_types: [edgeTypes] } = snap.snapshot.meta;
  const [type, edgeCount] = [nf.indexOf('type'), nf.indexOf('edge_count')];
  const [edgeType, edgeName] = [ef.indexOf('type'), ef.indexOf('name_or_index')];
  const property = edgeTypes.indexOf('property');
  const object = nodeTypes.indexOf('object');
  let found = 0;
  let edge = 0;
  for (let n = 0; n < snap.nodes.length; n += nf.length) {
    const count = snap.nodes[n + edgeCount] as number;
    if (snap.nodes[n + type] === object) {
      const names = new Set<string>();
      for (let e = edge; e < edge + count; e++) {
        const at = e * ef.length;
        if (snap.edges[at + edgeType] === property) names.add(snap.strings[snap.edges[at + edgeName] as number] as string);
      }
      if (keys.every((k) => names.has(k))) found++;
    }
    edge += count;
  }
  return found;
}

it('an open socket whose handlers never read its query keeps no parsed copy of it', async () => {
  const { url, server } = await start({ csrfToken: null, userId: (req) => req.query['kept-probe-user'] });
  const n = 20;
  for (let i = 0; i < n; i++) {
    const peer = await connectWs(`${url}?client-id=c${i}&kept-probe-user=u${i}&sente-ext=1`);
    peers.push(peer);
    const [[id, [uid]]] = (await peer.next()) as [[string, [string]]];
    expect([id, uid]).toEqual(['chsk/handshake', `u${i}`]);
  }
  expect(server.stats().wsClients).toBe(n);
  // The hooks and the core read the query during the handshake; once open, the socket keeps only its text.
  expect(await liveObjectsWith(['client-id', 'kept-probe-user'])).toBe(0);
  // Read again, it is parsed once and kept: the same object each time.
  const seen: unknown[] = [];
  server.startRouter((msg) => {
    if (msg.id !== 'app/who') return;
    seen.push(msg.request.query);
    msg.reply?.(msg.request.query['kept-probe-user']);
  });
  const [peer] = peers as [WsPeer];
  for (const cb of ['cb1', 'cb2']) {
    peer.send([['app/who'], cb]);
    expect(await peer.next()).toEqual(['u0', cb]);
  }
  expect(seen[0]).toBe(seen[1]);
  expect(await liveObjectsWith(['client-id', 'kept-probe-user'])).toBe(1);
}, 60_000);

it("an open socket's kept headers are frozen, and shared with the previous socket's when they are the same", async () => {
  const { url, server } = await start({ csrfToken: null, userId: (req) => req.query['user'] });
  const seen = new Map<string, Readonly<Record<string, unknown>>>();
  server.startRouter((msg) => {
    if (msg.id !== 'app/headers') return;
    seen.set(msg.uid, msg.request.headers);
    msg.reply?.(null);
  });
  const open = async (user: string, headers: Record<string, string>): Promise<void> => {
    const peer = await connectWs(`${url}?client-id=${user}&user=${user}`, headers);
    peers.push(peer);
    await peer.next();
    peer.send([['app/headers'], 'cb']);
    expect(await peer.next()).toEqual([null, 'cb']);
  };
  await open('a', { origin: 'http://app.test' });
  await open('b', { origin: 'http://app.test' });
  await open('c', { origin: 'http://app.test', cookie: 'sid=c' });
  const [a, b, c] = ['a', 'b', 'c'].map((u) => seen.get(u));
  expect(a).toMatchObject({ origin: 'http://app.test' });
  expect(a?.['sec-websocket-key']).toBeUndefined();
  expect(b).toBe(a);
  expect(c).not.toBe(a);
  expect(c).toMatchObject({ origin: 'http://app.test', cookie: 'sid=c' });
  expect(Object.isFrozen(a)).toBe(true);
  expect(Object.isFrozen(c)).toBe(true);
  expect(() => {
    (a as Record<string, string>)['x'] = '1';
  }).toThrow(TypeError);
}, 30_000);

it("a socket whose session hook read req.raw keeps no handshake headers there either", async () => {
  const hookSaw: (string | undefined)[] = [];
  const { url, server } = await start({
    csrfToken: null,
    session: (req) => {
      hookSaw.push(req.headers['sec-websocket-key']);
      return { user: 'dana' };
    },
    userId: (req) => (req.session as { user: string }).user,
  });
  const seen: unknown[] = [];
  server.startRouter((msg) => {
    if (msg.id !== 'app/raw') return;
    const raw = msg.request.raw;
    seen.push({ key: raw?.headers['sec-websocket-key'], same: raw?.headers === msg.request.headers, origin: raw?.headers['origin'], session: msg.request.session });
    msg.reply?.(null);
  });
  const peer = await connectWs(`${url}?client-id=c1`, { origin: 'http://app.test' });
  peers.push(peer);
  await peer.next();
  peer.send([['app/raw'], 'cb']);
  expect(await peer.next()).toEqual([null, 'cb']);
  expect(hookSaw).toEqual([expect.stringMatching(/==$/)]);
  expect(seen).toEqual([{ key: undefined, same: true, origin: 'http://app.test', session: { user: 'dana' } }]);
}, 30_000);
