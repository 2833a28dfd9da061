import { expect, it } from 'vitest';
import { WIRE } from '@sente/core';
import { CASE_TIMEOUT_MS } from './context.js';
import { EMPTY_STATS, openSockets } from '../harness.js';
import { RawHttp } from '../raw-http.js';
import { UpgradeRejected } from '../ws-client.js';
import { until, within } from '../wait.js';
import type { CaseContext } from './context.js';
import type { TestServer } from '../harness.js';

/** A refused request reaches no handler and leaves nothing behind. */
function expectNothingLeft(t: TestServer): void {
  expect(t.received).toEqual([]);
  expect(t.stats()).toEqual(EMPTY_STATS);
  expect(t.server.connectedUids.any.size).toBe(0);
}

/** The path and query of the suite's Sente URL, with `query`. */
function target(t: TestServer, query: Readonly<Record<string, string>>): string {
  return `${new URL(t.url).pathname}?${new URLSearchParams(query).toString()}`;
}

/**
 * Ajax requests no Sente client sends: other methods (issue 7: fastify
 * answered 404, uWS took a lower-case `get` for GET) and a POST whose body
 * breaks off (issue 7: reported as a bad package on Express, a transport
 * error on uWS).
 */
export function ajaxRawRequestCases({ harness, wire }: CaseContext): void {
  it('answers 405 with allow: GET, POST to PUT, DELETE and PATCH, and reports ERR_SENTE_BAD_METHOD', async () => {
    const t = await harness.start();
    const answers = [];
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const res = await fetch(`${t.url}?client-id=c1&handshake%3F=1`, { method, body: 'x', headers: { connection: 'close' } });
      answers.push({ method, status: res.status, allow: res.headers.get('allow'), body: await res.text() });
    }
    expect(answers).toEqual(['PUT', 'DELETE', 'PATCH'].map((method) => ({ method, status: 405, allow: 'GET, POST', body: 'Method not allowed' })));
    expect(t.errorCodes()).toEqual(Array(3).fill('ERR_SENTE_BAD_METHOD'));
    expectNothingLeft(t);
  }, CASE_TIMEOUT_MS);

  it('refuses a lower-case method: `get` is not GET', async () => {
    const t = await harness.start();
    const raw = new RawHttp(t.url);
    const a = await raw.send(raw.head(`get ${target(t, { 'client-id': 'c1', 'handshake?': '1' })} HTTP/1.1`, { connection: 'close' }));
    // Methods are case-sensitive (RFC 9110). A server whose HTTP parser lets it through answers 405,
    // from Sente; Node's parser refuses it first (400), uWS's closes the connection (no answer).
    if (a.status === 405) {
      expect(a.headers['allow']).toBe('GET, POST');
      expect(t.errorCodes()).toEqual(['ERR_SENTE_BAD_METHOD']);
    } else expect([400, null]).toContain(a.status);
    expectNothingLeft(t);
  }, CASE_TIMEOUT_MS);

  it('reports a POST whose body breaks off as ERR_SENTE_ABORTED, and keeps nothing of it', async () => {
    const t = await harness.start();
    const baseline = openSockets();
    const raw = new RawHttp(t.url);
    const binary = wire.packer.binary;
    const path = target(t, binary ? { [WIRE.clientId]: 'c1', [WIRE.binary]: 'true' } : {});
    const head = raw.head(`POST ${path} HTTP/1.1`, {
      'content-type': binary ? WIRE.binaryContentType : WIRE.formContentType,
      'content-length': 1000,
    });
    // 10 bytes of the 1000 announced, then the client is gone.
    await raw.sendAndDrop(head + (binary ? '0123456789' : 'client-id='));
    await until(() => t.errors.length > 0, 'the aborted POST to be reported');
    expect(t.errorCodes()).toEqual(['ERR_SENTE_ABORTED']);
    expectNothingLeft(t);
    await until(() => openSockets() <= baseline, `the sockets to close (${openSockets()} open, ${baseline} before)`);
  }, CASE_TIMEOUT_MS);
}

/**
 * An upgrade request to a path that nobody serves (issue 7: on Express and Koa
 * nothing answered it; the client sat in "connecting" and the server's close
 * hung on it). The Node adapters answer 404 (see @sente/node's own tests);
 * fastify answers 404 too; uWS closes the connection. Either way the client
 * knows at once, and the server's close does not wait on it.
 */
export function wrongPathUpgradeCases({ harness }: CaseContext): void {
  it('refuses a WebSocket upgrade to a path nobody serves at once, and closes without waiting on it', async () => {
    const t = await harness.start();
    const refused = await t.wsRejected({ path: '/elsewhere' }).catch((e: unknown) => e);
    expect(refused, 'a 404, or a connection closed with no answer').toSatisfy(
      (e) => (e instanceof UpgradeRejected && e.status === 404) || (e instanceof Error && /socket hang up|ECONNRESET/.test(e.message)),
    );
    // A client that keeps its connection after the answer, as long as the server lets it.
    const raw = new RawHttp(t.url);
    const { answer, socket } = await raw.sendAndHold(
      raw.head('GET /elsewhere?client-id=c1 HTTP/1.1', {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': 13,
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      }),
    );
    try {
      expect([404, null]).toContain(answer.status);
      await within(harness.stop(t), 'the server to close', 5000);
    } finally {
      socket.destroy();
    }
    expect(t.stats()).toEqual(EMPTY_STATS);
  }, CASE_TIMEOUT_MS);
}
