/**
 * A bare Sente peer speaking the wire protocol with the JSON packer over real
 * `ws` and `fetch`, for the adapters' own tests (fastify, Koa, uWS): they
 * prove what goes over the wire. The conformance suite has richer raw clients
 * (`RawWsClient`, `RawAjaxClient`) for every packer.
 */
import WebSocket from 'ws';

export interface WsPeer {
  readonly ws: WebSocket;
  /** The next unpacked message (in arrival order). */
  next(): Promise<unknown>;
  /** Packs and sends an envelope. */
  send(envelope: unknown): void;
  /** Resolves with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
}

/** Opens a WebSocket and resolves once it is open; rejects with the HTTP status of a refused upgrade. */
export function connectWs(url: string, headers: Record<string, string> = {}): Promise<WsPeer> {
  const ws = new WebSocket(url, { headers });
  const queue: unknown[] = [];
  const waiting: ((v: unknown) => void)[] = [];
  ws.on('message', (data, isBinary) => {
    const v: unknown = JSON.parse(isBinary ? Buffer.from(data as Buffer).toString('utf8') : String(data));
    const w = waiting.shift();
    if (w) w(v);
    else queue.push(v);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })),
  );
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      reject(new UpgradeRefused(res.statusCode ?? 0));
      ws.terminate();
    });
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        ws,
        closed,
        next: () => (queue.length > 0 ? Promise.resolve(queue.shift()) : new Promise((r) => waiting.push(r))),
        send: (envelope) => ws.send(JSON.stringify(envelope)),
      }),
    );
  });
}

/** The error of a refused upgrade: the client saw `unexpected-response` with this status. */
export class UpgradeRefused extends Error {
  constructor(readonly status: number) {
    super(`Unexpected server response: ${status}`);
  }
}

/** The HTTP status a refused upgrade was answered with. */
export async function refusedStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  try {
    const peer = await connectWs(url, headers);
    peer.ws.terminate();
  } catch (e) {
    if (e instanceof UpgradeRefused) return e.status;
    throw e;
  }
  throw new Error('The upgrade was accepted');
}

export interface AjaxAnswer {
  readonly status: number;
  readonly contentType: string | null;
  /** The unpacked body (the raw text when it is not JSON). */
  readonly body: unknown;
}

async function answer(res: Response): Promise<AjaxAnswer> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Rejections are plain text.
  }
  return { status: res.status, contentType: res.headers.get('content-type'), body };
}

/** An Ajax GET (handshake or long-poll). */
export async function ajaxGet(url: string, headers: Record<string, string> = {}): Promise<AjaxAnswer> {
  return answer(await fetch(url, { headers }));
}

/** An Ajax POST as Sente's client sends it with a text packer: a form with `client-id` and `ppstr`. */
export async function ajaxPost(url: string, clientId: string, envelope: unknown, headers: Record<string, string> = {}): Promise<AjaxAnswer> {
  const body = new URLSearchParams({ udt: String(Date.now()), 'client-id': clientId, ppstr: JSON.stringify(envelope) });
  return answer(
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8', ...headers },
      body: body.toString(),
    }),
  );
}

/** The handshake envelope for `uid` as the JSON packer writes it. */
export function handshake(uid: string, data: unknown = null): unknown {
  return [['chsk/handshake', [uid, null, data]], null];
}

/** Polls `predicate` until it holds (for state that settles after a socket event). */
export async function until(predicate: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (predicate()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`Timed out waiting for ${what}`);
}
