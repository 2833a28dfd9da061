import { randomBytes } from 'node:crypto';
import { httpRequest, rawHttp } from '../net/raw-http.js';
import { CSRF_TOKEN, GOOD_ORIGIN } from '../server/protocol.js';
import type { Rng } from '../rng.js';

/** A raw HTTP attack: its sub-class, the exact request bytes, and whether silence is the right answer. */
export interface HttpCase {
  readonly kind: string;
  readonly request: Buffer;
  /** The request is deliberately incomplete: a server waiting for the rest is right, and is named `waiting`. */
  readonly incomplete?: boolean;
}

export const UPGRADE_KINDS = [
  'missing-key',
  'bad-key',
  'bad-version',
  'no-upgrade-header',
  'upgrade-h2c',
  'wrong-path',
  'post-upgrade',
  'http-1.0',
  'missing-client-id',
  'overlong-client-id',
  'blank-client-id',
  'bad-csrf',
  'missing-csrf',
  'wrong-origin',
  'referer-only',
  'huge-header',
  'long-query',
  'bad-percent-encoding',
  'lowercase-method',
] as const;

function query(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

/** One bad WebSocket upgrade request. */
export function upgradeCase(rng: Rng, port: number, clientId: string, kinds: readonly string[] = UPGRADE_KINDS): HttpCase {
  const kind = rng.pick(kinds) as (typeof UPGRADE_KINDS)[number];
  const good = { uid: 'hostile-upgrade', 'client-id': clientId, 'csrf-token': CSRF_TOKEN };
  let target = `/chsk?${query(good)}`;
  let method = 'GET';
  let version = '1.1';
  const h: Record<string, string | null> = {
    host: `127.0.0.1:${port}`,
    upgrade: 'websocket',
    connection: 'Upgrade',
    'sec-websocket-key': randomBytes(16).toString('base64'),
    'sec-websocket-version': '13',
    origin: GOOD_ORIGIN,
  };
  switch (kind) {
    case 'missing-key':
      h['sec-websocket-key'] = null;
      break;
    case 'bad-key':
      h['sec-websocket-key'] = rng.pick(['short', '', '!!!!', randomBytes(20).toString('base64')]);
      break;
    case 'bad-version':
      // 8 (hybi-08) is still accepted by `ws`, so it is not among them.
      h['sec-websocket-version'] = rng.pick(['7', '14', 'abc', '']);
      break;
    case 'no-upgrade-header':
      h['upgrade'] = null;
      break;
    case 'upgrade-h2c':
      h['upgrade'] = 'h2c';
      break;
    case 'wrong-path':
      target = `${rng.pick(['/nope', '/chsk/extra', '/CHSK', '/chsk%2F', '//chsk', '/'])}?${query(good)}`;
      break;
    case 'post-upgrade':
      method = 'POST';
      h['content-length'] = '0';
      break;
    case 'http-1.0':
      version = '1.0';
      break;
    case 'missing-client-id':
      target = `/chsk?${query({ uid: 'hostile-upgrade', 'csrf-token': CSRF_TOKEN })}`;
      break;
    case 'overlong-client-id':
      target = `/chsk?${query({ ...good, 'client-id': 'x'.repeat(rng.range(129, 5000)) })}`;
      break;
    case 'blank-client-id':
      target = `/chsk?${query({ ...good, 'client-id': rng.pick(['', ' ', '\t', '  \n']) })}`;
      break;
    case 'bad-csrf':
      target = `/chsk?${query({ ...good, 'csrf-token': rng.pick(['wrong', CSRF_TOKEN.slice(0, -1), `${CSRF_TOKEN}x`, '']) })}`;
      break;
    case 'missing-csrf':
      target = `/chsk?${query({ uid: 'hostile-upgrade', 'client-id': clientId })}`;
      break;
    case 'wrong-origin':
      h['origin'] = rng.pick(['http://evil.test', 'null', `${GOOD_ORIGIN}.evil.test`, 'http://good.test:80', '']);
      break;
    case 'referer-only':
      h['origin'] = null;
      h['referer'] = rng.pick([`${GOOD_ORIGIN}/page`, 'http://evil.test/page', GOOD_ORIGIN, `${GOOD_ORIGIN}.evil.test/`]);
      break;
    case 'huge-header':
      h['cookie'] = `a=${'x'.repeat(rng.range(8_000, 40_000))}`;
      break;
    case 'long-query':
      target = `/chsk?${query({ ...good, pad: 'y'.repeat(rng.range(4_000, 100_000)) })}`;
      break;
    case 'bad-percent-encoding':
      target = `/chsk?uid=%ZZ&client-id=${clientId}%&csrf-token=${CSRF_TOKEN}&x=%E0%A4%A`;
      break;
    case 'lowercase-method':
      method = 'get';
      break;
  }
  const lines = Object.entries(h).filter((e): e is [string, string] => e[1] !== null);
  return { kind, request: Buffer.from(`${method} ${target} HTTP/${version}\r\n${lines.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`, 'latin1') };
}

const AJAX_KINDS = [
  'get-missing-client-id',
  'get-bogus-client-id',
  'get-odd-client-id',
  'post-malformed-body',
  'post-missing-payload',
  'post-wrong-content-type',
  'post-huge-body',
  'post-length-lie',
  'post-short-length',
  'post-bad-chunked',
  'post-missing-csrf',
  'post-wrong-csrf',
  'post-wrong-origin',
  'post-referer-only',
  'post-bogus-client-id',
  'post-binary-mismatch',
  'other-method',
  'long-query',
] as const;

/** One bad Ajax request; `payload` is a well-formed event payload of the server's packer. */
export function ajaxCase(rng: Rng, clientId: string, payload: Buffer, binary: boolean, maxPayloadBytes: number): HttpCase {
  const kind = rng.pick(AJAX_KINDS);
  const headers: Record<string, string> = { origin: GOOD_ORIGIN, 'x-csrf-token': CSRF_TOKEN };
  const form = (fields: Record<string, string>): string => new URLSearchParams({ udt: '1', ...fields }).toString();
  const post = (body: Buffer | string, extra: Record<string, string> = {}, q = ''): Buffer =>
    binary && typeof body !== 'string'
      ? httpRequest('POST', `/chsk?${query({ udt: '1', 'client-id': clientId, 'binary?': 'true' })}${q}`, { ...headers, 'content-type': 'application/octet-stream', ...extra }, body)
      : httpRequest('POST', `/chsk${q ? `?${q.slice(1)}` : ''}`, { ...headers, 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8', ...extra }, typeof body === 'string' ? body : form({ 'client-id': clientId, ppstr: body.toString('utf8') }));
  const good = (extra: Record<string, string> = {}): Buffer => post(payload, extra);
  switch (kind) {
    case 'get-missing-client-id':
      return { kind, request: httpRequest('GET', `/chsk?${query({ 'handshake?': '1', udt: '1' })}`, headers) };
    case 'get-bogus-client-id':
      return { kind, request: httpRequest('GET', `/chsk?${query({ 'handshake?': '1', 'client-id': rng.pick(['', ' ', '\t', 'x'.repeat(rng.range(129, 4000))]) })}`, headers) };
    case 'get-odd-client-id':
      // Odd but within Sente's rules (non-blank, at most 128 characters): served like any other.
      return { kind, request: httpRequest('GET', `/chsk?${query({ 'handshake?': '1', 'client-id': rng.pick(['\u0000', '\ud83d\ude00'.repeat(40), '../../etc', '<script>', '%00']) })}`, headers) };
    case 'post-malformed-body':
      return { kind, request: binary ? post(Buffer.from(rng.bytes(rng.range(1, 64)))) : post(form({ 'client-id': clientId, ppstr: rng.string(rng.range(1, 64)) })) };
    case 'post-missing-payload':
      return { kind, request: post(rng.pick([form({ 'client-id': clientId }), '', '&&&', 'ppstr', `ppstr=&client-id=${clientId}`])) };
    case 'post-wrong-content-type':
      return { kind, request: good({ 'content-type': rng.pick(['text/plain', 'application/json', 'multipart/form-data; boundary=x', '', 'application/x-www-form-urlencoded; charset=utf-16']) }) };
    case 'post-huge-body':
      return { kind, request: binary ? post(Buffer.alloc(maxPayloadBytes + rng.range(1, 1_000_000), 0x90)) : post(form({ 'client-id': clientId, ppstr: 'z'.repeat(maxPayloadBytes + rng.range(1, 1_000_000)) })) };
    case 'post-length-lie': {
      const r = good();
      const head = r.subarray(0, r.indexOf('\r\n\r\n') + 4).toString('latin1').replace(/content-length: (\d+)/, (_, n: string) => `content-length: ${Number(n) + rng.range(1, 1000)}`);
      return { kind, request: Buffer.concat([Buffer.from(head, 'latin1'), r.subarray(r.indexOf('\r\n\r\n') + 4)]), incomplete: true };
    }
    case 'post-short-length': {
      const r = good();
      const head = r.subarray(0, r.indexOf('\r\n\r\n') + 4).toString('latin1').replace(/content-length: (\d+)/, (_, n: string) => `content-length: ${Math.max(0, Number(n) - rng.range(1, 20))}`);
      return { kind, request: Buffer.concat([Buffer.from(head, 'latin1'), r.subarray(r.indexOf('\r\n\r\n') + 4)]) };
    }
    case 'post-bad-chunked':
      // Some of these bodies never end: a server still waiting for the rest is right.
      return { kind, request: chunked(headers, binary, rng), incomplete: true };
    case 'post-missing-csrf': {
      const { ['x-csrf-token']: _omit, ...rest } = headers;
      return { kind, request: binary ? httpRequest('POST', `/chsk?${query({ 'client-id': clientId, 'binary?': 'true' })}`, { ...rest, 'content-type': 'application/octet-stream' }, payload) : httpRequest('POST', '/chsk', { ...rest, 'content-type': 'application/x-www-form-urlencoded' }, form({ 'client-id': clientId, ppstr: payload.toString('utf8') })) };
    }
    case 'post-wrong-csrf':
      return { kind, request: good({ 'x-csrf-token': rng.pick(['wrong', '', CSRF_TOKEN.toUpperCase(), CSRF_TOKEN.slice(1), `${CSRF_TOKEN}0`]) }) };
    case 'post-wrong-origin':
      return { kind, request: good({ origin: rng.pick(['http://evil.test', 'null', `${GOOD_ORIGIN}.evil.test`]) }) };
    case 'post-referer-only': {
      const { origin: _o, ...rest } = headers;
      const ref = rng.pick([`${GOOD_ORIGIN}/x`, 'http://evil.test/x', GOOD_ORIGIN]);
      return { kind, request: binary ? httpRequest('POST', `/chsk?${query({ 'client-id': clientId, 'binary?': 'true' })}`, { ...rest, referer: ref, 'content-type': 'application/octet-stream' }, payload) : httpRequest('POST', '/chsk', { ...rest, referer: ref, 'content-type': 'application/x-www-form-urlencoded' }, form({ 'client-id': clientId, ppstr: payload.toString('utf8') })) };
    }
    case 'post-bogus-client-id':
      return { kind, request: binary ? httpRequest('POST', `/chsk?${query({ 'client-id': rng.pick(['', ' ', 'x'.repeat(129)]), 'binary?': 'true' })}`, { ...headers, 'content-type': 'application/octet-stream' }, payload) : post(form({ 'client-id': rng.pick(['', ' ', 'x'.repeat(129)]), ppstr: payload.toString('utf8') })) };
    case 'post-binary-mismatch':
      return {
        kind,
        request: binary
          ? post(form({ 'client-id': clientId, ppstr: payload.toString('latin1') }))
          : httpRequest('POST', `/chsk?${query({ 'client-id': clientId, 'binary?': 'true' })}`, { ...headers, 'content-type': 'application/octet-stream' }, payload),
      };
    case 'other-method':
      return { kind, request: httpRequest(rng.pick(['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'get', 'post', 'FOO']), `/chsk?${query({ 'client-id': clientId })}`, headers, rng.chance(0.5) ? payload : '') };
    case 'long-query':
      return { kind, request: httpRequest('GET', `/chsk?${query({ 'client-id': clientId, 'handshake?': '1', pad: 'q'.repeat(rng.range(4_000, 100_000)) })}`, headers) };
  }
}

function chunked(headers: Record<string, string>, binary: boolean, rng: Rng): Buffer {
  const head = `POST /chsk HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\norigin: ${headers['origin'] ?? ''}\r\nx-csrf-token: ${headers['x-csrf-token'] ?? ''}\r\ncontent-type: ${binary ? 'application/octet-stream' : 'application/x-www-form-urlencoded'}\r\ntransfer-encoding: chunked\r\n\r\n`;
  const body = rng.pick(['zz\r\nabc\r\n0\r\n\r\n', '5\r\nab\r\n0\r\n\r\n', 'ffffffffffffffff\r\nab\r\n', '3\r\nabc\r\n-1\r\n\r\n']);
  return Buffer.from(head + body, 'latin1');
}

/** Sends one case on a fresh connection; gives the status, `no-answer`, `waiting` (an incomplete request held), or `hang`. */
export async function runHttpCase(port: number, c: HttpCase, deadlineMs: number): Promise<string> {
  const a = await rawHttp(port, c.request, c.incomplete ? Math.min(deadlineMs, 150) : deadlineMs);
  if (a.outcome === 'hang') return c.incomplete ? 'waiting' : 'hang';
  return String(a.outcome);
}
