import { createSenteClient } from '@sente/client';
import { BrowserLikeWebSocket } from '../good/browser-like-ws.js';
import type { Packer } from '@sente/core';
import { LoopbackProxy } from '../net/proxy.js';
import { parseHead } from '../net/raw-http.js';
import { delay } from '../conformance-clients.js';
import { CSRF_TOKEN, GOOD_ORIGIN } from '../server/protocol.js';

/** A client frame as captured: opcode and unmasked payload. */
export interface CapturedFrame {
  readonly opcode: number;
  readonly payload: Buffer;
}

/** An HTTP request as captured. */
export interface CapturedRequest {
  readonly method: string;
  readonly target: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** What a real `@sente/client` sent in one session per transport. */
export interface Capture {
  /** Data frames (text or binary) the client sent over WebSocket. */
  readonly frames: CapturedFrame[];
  /** The Ajax POSTs it sent. */
  readonly posts: CapturedRequest[];
}

/**
 * Runs a real `@sente/client` against `url` through a recording proxy, once
 * over WebSocket and once over Ajax, sending requests and one-way events,
 * and gives what it wrote: the raw material of the mutation attacks.
 */
export async function captureSession(port: number, packer: Packer, label: string): Promise<Capture> {
  const proxy = await LoopbackProxy.start(port, { record: true });
  try {
    for (const type of ['ws', 'ajax'] as const) {
      const client = createSenteClient(`http://127.0.0.1:${proxy.port}/chsk`, CSRF_TOKEN, {
        WebSocket: BrowserLikeWebSocket,
    onError: () => {},
        type,
        packer,
        params: { uid: `capture-${label}-${type}` },
        headers: { origin: GOOD_ORIGIN },
      });
      const end = Date.now() + 5000;
      while (!client.state.open && Date.now() < end) await delay(10);
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < 4; i++) {
        sends.push(client.request(['good/echo', `captured ${i} ${'é中😀'.repeat(i)}`], 4000).catch(() => undefined));
        client.send(['torture/note', { n: i, list: [1, 2.5, null, true, 'x'] }]);
      }
      await Promise.all(sends);
      client.disconnect();
    }
    await delay(50);
  } finally {
    await proxy.close();
  }
  const frames: CapturedFrame[] = [];
  const posts: CapturedRequest[] = [];
  for (const chunks of proxy.recordings) {
    const bytes = Buffer.concat(chunks);
    const head = parseRequestHead(bytes, 0);
    if (head === undefined) continue;
    if ((head.headers['upgrade'] ?? '').toLowerCase() === 'websocket') frames.push(...clientFrames(bytes.subarray(head.end)));
    else posts.push(...requests(bytes).filter((r) => r.method === 'POST'));
  }
  return { frames: frames.filter((f) => f.opcode === 1 || f.opcode === 2), posts };
}

function parseRequestHead(buf: Buffer, at: number): { method: string; target: string; headers: Record<string, string>; end: number } | undefined {
  const end = buf.indexOf('\r\n\r\n', at);
  if (end < 0) return undefined;
  const [line = '', ...rest] = buf.subarray(at, end).toString('latin1').split('\r\n');
  const [method = '', target = ''] = line.split(' ');
  const headers: Record<string, string> = {};
  for (const l of rest) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { method, target, headers, end: end + 4 };
}

function requests(buf: Buffer): CapturedRequest[] {
  const out: CapturedRequest[] = [];
  let at = 0;
  while (at < buf.length) {
    const h = parseRequestHead(buf, at);
    if (h === undefined) break;
    const len = Number(h.headers['content-length'] ?? 0);
    out.push({ method: h.method, target: h.target, headers: h.headers, body: buf.subarray(h.end, h.end + len) });
    at = h.end + len;
  }
  return out;
}

/** The client's (masked) frames, unmasked. */
function clientFrames(buf: Buffer): CapturedFrame[] {
  const out: CapturedFrame[] = [];
  let off = 0;
  while (buf.length - off >= 2) {
    const b1 = buf[off + 1] as number;
    let len = b1 & 0x7f;
    let p = off + 2;
    if (len === 126) {
      len = buf.readUInt16BE(p);
      p += 2;
    } else if (len === 127) {
      len = Number(buf.readBigUInt64BE(p));
      p += 8;
    }
    const mask = b1 & 0x80 ? buf.subarray(p, p + 4) : undefined;
    if (mask) p += 4;
    if (buf.length - p < len) break;
    const payload = Buffer.from(buf.subarray(p, p + len));
    if (mask) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (mask[i % 4] as number);
    out.push({ opcode: (buf[off] as number) & 0x0f, payload });
    off = p + len;
  }
  return out;
}
