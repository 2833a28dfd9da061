import { describe, expect, it } from 'vitest';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { Keyword } from '../src/keyword.js';
import { readRefresh, refreshedRequest } from '../src/refresh.js';
import { Harness, request } from './support/harness.js';
import type { SenteRequest } from '../src/request.js';

const EXT = { 'sente-ext': '1' };

/** The handshake's extension map of a WebSocket client. */
function hsExt(frames: unknown[]): Record<string, unknown> {
  return (((frames[0] as unknown[])[0] as unknown[])[1] as unknown[])[3] as Record<string, unknown>;
}

/** The reply to the WebSocket request with cb-id `cbId`. */
function replyOf(frames: unknown[], cbId: string): unknown {
  const f = frames.find((x) => Array.isArray(x) && x[1] === cbId) as unknown[] | undefined;
  return f?.[0];
}

describe('a refresh’s credentials on the wire', () => {
  it('reads a map with string or keyword keys, and refuses anything but strings', () => {
    expect(readRefresh({ params: { token: 't', n: 2 }, headers: { 'X-Token': 'h' }, 'csrf-token': 'c', uid: 'alice', key: 'k' })).toEqual({
      params: { token: 't', n: '2' },
      headers: { 'x-token': 'h' },
      csrfToken: 'c',
      uid: 'alice',
      key: 'k',
    });
    const m = new Map<unknown, unknown>([
      [Keyword.for('params'), new Map([[Keyword.for('token'), 't']])],
      [Keyword.for('csrf-token'), 'c'],
    ]);
    expect(readRefresh(m)).toMatchObject({ params: { token: 't' }, csrfToken: 'c', headers: {} });
    expect(readRefresh(undefined)).toEqual({ params: {}, headers: {}, csrfToken: undefined, uid: undefined, key: undefined });
    expect(readRefresh({ params: { token: { nested: 1 } } })).toBeUndefined();
    expect(readRefresh({ params: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`p${i}`, 'x'])) })).toBeUndefined();
    expect(readRefresh({ 'csrf-token': 'x'.repeat(8193) })).toBeUndefined();
    expect(readRefresh(['not', 'a', 'map'])).toBeUndefined();
  });

  it('builds the hooks’ request from the socket’s: its cookies, session and address, the new params, headers and token', () => {
    const orig: SenteRequest<string> = {
      ...request({
        websocket: true,
        query: { 'client-id': 'c1', 'sente-ext': '1', 'csrf-token': 'old', token: 'old', stale: 'x' },
        headers: { cookie: 'sid=1', origin: 'https://app.example', 'x-csrf-token': 'old' },
        session: { uid: 'alice' },
        remoteAddress: '10.0.0.1',
      }),
    };
    const creds = readRefresh({ params: { token: 'new', 'client-id': 'forged' }, headers: { cookie: 'sid=2', Origin: 'https://evil.example', 'x-app': 'a' }, 'csrf-token': 'new' });
    const req = refreshedRequest(orig, creds!);
    expect(req.query).toEqual({ 'client-id': 'c1', 'sente-ext': '1', token: 'new', 'csrf-token': 'new' });
    expect(req.headers).toEqual({ 'sec-websocket-version': '13', cookie: 'sid=1', origin: 'https://app.example', 'x-app': 'a' });
    expect(req.session).toEqual({ uid: 'alice' });
    expect(req.remoteAddress).toBe('10.0.0.1');
    expect(req.refresh).toBe(true);
    expect(req.raw).toBe(orig.raw);
  });
});

describe('live credentials', () => {
  it('runs the hooks on a WebSocket refresh with the socket’s session, and moves the socket to the new uid', async () => {
    const seen: SenteRequest<string>[] = [];
    const h = new Harness({
      userId: (req) => {
        seen.push(req);
        return `${(req.session as { org: string }).org}:${req.query['as'] ?? 'guest'}`;
      },
    });
    const w = await h.ws('c1', { query: { ...EXT, as: 'guest' }, session: { org: 'acme' } });
    expect(hsExt(w.frames())).toMatchObject({ refresh: 1, rk: expect.stringMatching(/^[0-9a-f]{32}$/) });
    w.send([Keyword.for('chsk/refresh'), { params: { as: 'alice' } }], 'r1');
    await h.advance(0);
    expect(replyOf(w.frames(), 'r1')).toEqual(['acme:alice', null, expect.any(String), 0]);
    expect(seen.at(-1)?.refresh).toBe(true);
    expect([...h.server.connectedUids.ws]).toEqual(['acme:alice']);
    expect(h.eventsOf('chsk/uidport-close').map((m) => m.uid)).toEqual(['acme:guest']);
    expect(h.eventsOf('chsk/uidport-open').map((m) => m.uid)).toEqual(['acme:guest', 'acme:alice']);
    // The router's later events come from the new uid, with the refreshed request.
    w.send(['app/who', 1]);
    expect(h.eventsOf('app/who')[0]).toMatchObject({ uid: 'acme:alice', request: { refresh: true, query: { as: 'alice' } } });
  });

  it('with keepUpgradeRaw false, gives raw to the handshake’s hooks only: events and a refresh get the socket’s request without it', async () => {
    const seen: SenteRequest<string>[] = [];
    const h = new Harness({
      keepUpgradeRaw: false,
      userId: (req) => {
        seen.push(req);
        return `${(req.session as { org: string }).org}:${req.query['as'] ?? 'guest'}`;
      },
    });
    const w = await h.ws('c1', { query: { ...EXT, as: 'guest' }, session: { org: 'acme' }, headers: { 'user-agent': 'UA/1' } });
    expect(seen[0]?.raw).toBe('raw-request');
    w.send(['app/who', 1]);
    const before = h.eventsOf('app/who')[0]!.request;
    expect(before).toMatchObject({ websocket: true, query: { as: 'guest' }, headers: { 'user-agent': 'UA/1' }, session: { org: 'acme' } });
    expect(before.raw).toBeUndefined();
    w.send([Keyword.for('chsk/refresh'), { params: { as: 'alice' } }], 'r1');
    await h.advance(0);
    expect(replyOf(w.frames(), 'r1')).toEqual(['acme:alice', null, expect.any(String), 0]);
    expect(seen.at(-1)).toMatchObject({ refresh: true, raw: undefined, session: { org: 'acme' }, headers: { 'user-agent': 'UA/1' } });
    w.send(['app/who', 2]);
    expect(h.eventsOf('app/who')[1]).toMatchObject({ uid: 'acme:alice', request: { refresh: true, raw: undefined, query: { as: 'alice' } } });
    expect(h.server.clients()[0]).toMatchObject({ uid: 'acme:alice', userAgent: 'UA/1' });
  });

  it('keeps raw in the socket’s request for its whole life by default', async () => {
    const h = new Harness({ userId: (req) => (req.query['as'] ?? 'guest') });
    const w = await h.ws('c1', { query: { ...EXT } });
    w.send([Keyword.for('chsk/refresh'), { params: { as: 'alice' } }], 'r1');
    await h.advance(0);
    w.send(['app/who', 1]);
    expect(h.eventsOf('app/who')[0]).toMatchObject({ uid: 'alice', request: { refresh: true, raw: 'raw-request' } });
  });

  it('runs one refresh of a socket at a time: another one meanwhile is refused, and the connection keeps its identity', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const h = new Harness({ authorized: async (req) => (req.refresh ? (await gate, true) : true) });
    const w = await h.ws('c1', { uid: 'alice', query: EXT });
    w.send([Keyword.for('chsk/refresh'), { params: { uid: 'bob' } }], 'r1');
    w.send([Keyword.for('chsk/refresh'), { params: { uid: 'carol' } }], 'r2');
    await h.advance(0);
    expect(replyOf(w.frames(), 'r2')).toBe('ERR_SENTE_RATE_LIMITED');
    release();
    await h.advance(0);
    expect((replyOf(w.frames(), 'r1') as unknown[])[0]).toBe('bob');
    expect([...h.server.connectedUids.ws]).toEqual(['bob']);
  });

  it('takes a refresh POST for a WebSocket only with the socket’s refresh key, and moves it to the POST’s uid', async () => {
    const h = new Harness({ userId: (req) => (req.session as { uid?: string } | undefined)?.uid });
    const w = await h.ws('c1', { query: EXT, session: { uid: 'guest' } });
    const { rk } = hsExt(w.frames()) as { rk: string };
    const refresh = (key: string) =>
      h.post('c1', [[Keyword.for('chsk/refresh'), { uid: 'guest', key }], Keyword.for('ajax')], { query: EXT, session: { uid: 'alice' } });
    const wrong = await refresh('0'.repeat(32));
    expect(wrong.body()).toEqual(['ERR_SENTE_REFRESH_REFUSED', null]);
    expect([...h.server.connectedUids.ws]).toEqual(['guest']);
    const right = await refresh(rk);
    expect((right.body() as unknown[])[0]).toEqual(['alice', null, expect.any(String), 0]);
    expect([...h.server.connectedUids.ws]).toEqual(['alice']);
    h.server.send('alice', ['app/hi', 1], { flush: true });
    expect(w.pushedEvents()).toEqual([['app/hi', 1]]);
    expect(h.errorCodes()).toEqual(['ERR_SENTE_REFRESH_REFUSED']);
  });

  it('expires a connection whose expiry is further than a timer can wait, at that time and not before', async () => {
    const far = 3_000_000_000;
    let start = 0;
    const h: Harness = new Harness({ credentialsExpireAt: () => start + far, wsKaliveMs: null });
    start = h.clock.now();
    const w = await h.ws('c1', { uid: 'alice', query: EXT });
    expect(hsExt(w.frames())['ttl']).toBe(far);
    await h.advance(2 ** 31);
    expect(w.closed).toBeUndefined();
    await h.advance(far - 2 ** 31);
    expect(w.closed).toEqual({ code: 4401, reason: 'Credentials expired' });
    expect(h.server.stats()).toMatchObject({ wsClients: 0, timers: 0 });
    expect(h.eventsOf('chsk/uidport-close').map((m) => m.uid)).toEqual(['alice']);
  });

  it('answers a parked poll 401 at expiry, and refuses a request whose credentials have expired', async () => {
    let at = 0;
    const h = new Harness({ credentialsExpireAt: () => at });
    at = h.clock.now() + 1000;
    const poll = await h.ajaxClient('a1', { uid: 'bob', query: EXT });
    await h.advance(999);
    expect(poll.adapter.response).toBeUndefined();
    await h.advance(1);
    expect(poll.adapter.response).toMatchObject({ status: 401, body: 'Credentials expired' });
    const late = await h.ajaxGet('a1', { uid: 'bob', handshake: true, query: EXT });
    expect(late.adapter.response).toMatchObject({ status: 401, body: 'Credentials expired' });
    expect(h.server.stats()).toMatchObject({ ajaxClients: 0, timers: 0 });
  });

  it('counts refreshes, moves, refusals and expiries in sente.credentials', async () => {
    const reader = new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ readers: [reader] });
    try {
      const h = new Harness({ meter: provider.getMeter('test'), authorized: (req) => req.query['uid'] !== 'mallory' });
      const w = await h.ws('c1', { uid: 'alice', query: EXT });
      for (const [uid, cbId] of [['alice', 'a'], ['bob', 'b'], ['mallory', 'c']]) {
        w.send([Keyword.for('chsk/refresh'), { params: { uid } }], cbId);
        await h.advance(0);
      }
      expect(replyOf(w.frames(), 'c')).toBe('ERR_SENTE_UNAUTHORIZED');
      h.server.expire('bob');
      const { resourceMetrics } = await reader.collect();
      const points = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'sente.credentials')?.dataPoints;
      expect(points?.map((p) => [p.attributes['outcome'], p.value])).toEqual(
        expect.arrayContaining([
          ['refreshed', 1],
          ['moved', 1],
          ['refused', 1],
          ['expired', 1],
        ]),
      );
    } finally {
      await provider.shutdown();
    }
  });
});
