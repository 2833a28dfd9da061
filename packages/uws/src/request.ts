import { parseQuery, payloadTooLarge, senteError } from '@sente/core';
import type { SenteBody, SenteRequest } from '@sente/core';
import { RAW_MADE_ON_READ, sharedHeaderValue } from '@sente/core/internal';
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';

/**
 * What Sente keeps of a uWS request, copied while uWS's `HttpRequest` is
 * valid (only synchronously, in the handler). Hooks receive it as `req.raw`.
 */
export interface UwsRequest {
  /** The HTTP method as sent (methods are case-sensitive). */
  readonly method: string;
  /** The path, without the query string. */
  readonly url: string;
  /** The raw query string, without `?`. */
  readonly query: string;
  /** Request headers, lower-case names (repeated headers joined as Node joins them). */
  readonly headers: Readonly<Record<string, string>>;
  /** The peer's IP address, as text. */
  readonly remoteAddress: string;
}

/** `s`, or the same text from the last call with the same text (the method, path and address of most requests). */
function same(s: string, last: { value: string }): string {
  if (s === last.value) return last.value;
  last.value = s;
  return s;
}
const lastMethod = { value: 'GET' };
const lastUrl = { value: '' };
const lastAddress = { value: '' };

/**
 * The copied uWS request of each request whose `raw` was read (a session
 * hook's): not a field of every socket's request, since most never have one.
 */
const raws = new WeakMap<CopiedRequest, UwsRequest>();

/**
 * A uWS request as Sente keeps it: one object, the {@link SenteRequest} of
 * the request, copied while uWS's `HttpRequest` was valid. `raw` (the
 * {@link UwsRequest} hooks see) is made when first read.
 */
export abstract class CopiedRequest implements SenteRequest<UwsRequest> {
  abstract readonly method: string;
  /** The session, once the `session` hook gave one. */
  abstract session: unknown;
  /** The parsed query. */
  abstract readonly query: Readonly<Record<string, string>>;

  constructor(
    /** The path, without the query string. */
    private readonly url: string,
    /** The raw query string, without `?`. */
    protected readonly search: string,
    /** Lower-case names. */
    public headers: Readonly<Record<string, string>>,
    readonly remoteAddress: string,
  ) {}

  get websocket(): boolean {
    return false;
  }

  /** `raw` is made from the fields above when read: a socket keeps it at no cost, whatever `keepUpgradeRaw` says. */
  get [RAW_MADE_ON_READ](): boolean {
    return true;
  }

  /** The copied uWS request, as the hooks see it (`req.raw`). */
  get raw(): UwsRequest {
    let copy = raws.get(this);
    if (copy === undefined) raws.set(this, (copy = { method: this.method, url: this.url, query: this.search, headers: this.headers, remoteAddress: this.remoteAddress }));
    return copy;
  }
}

/** An Ajax request; a POST's body is being read. */
export class AjaxRequest extends CopiedRequest {
  session: unknown = undefined;
  // Parsed at once: the core reads it several times.
  readonly query: Readonly<Record<string, string>> = parseQuery(this.search);
  /** Absent on GET. */
  readonly readBody?: () => Promise<SenteBody>;

  constructor(
    readonly method: string,
    url: string,
    search: string,
    headers: Readonly<Record<string, string>>,
    remoteAddress: string,
    body: Promise<Uint8Array> | undefined,
  ) {
    super(url, search, headers, remoteAddress);
    if (body !== undefined) this.readBody = () => body;
  }
}

/** Headers of the WebSocket handshake itself, which an open socket's request leaves out (see {@link UpgradeRequest.settle}). */
const HANDSHAKE_ONLY = new Set(['sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'connection', 'upgrade']);

/**
 * The parsed query of each upgrade request that has one: from its copy until
 * the socket opens (the core reads it several times), then again once a
 * handler asks (see {@link UpgradeRequest.forgetQuery}). Not a field of every
 * socket's request, as most never have one once open.
 */
const queries = new WeakMap<UpgradeRequest, Readonly<Record<string, string>>>();

/** The sessions the `session` hook gave upgrade requests (not a field of every socket's request: most have none). */
const sessions = new WeakMap<UpgradeRequest, unknown>();

/**
 * A WebSocket upgrade request: the one an open socket keeps for its whole
 * life, so it keeps as few fields as it can (its session and parsed query live
 * in side tables). Once the hooks have run, the handshake's own headers go
 * (see {@link settle}); once the socket is open, so does the parsed `query`
 * (parsed again from the query string when first read, then kept; see
 * {@link forgetQuery}).
 */
export class UpgradeRequest extends CopiedRequest {
  constructor(url: string, search: string, headers: Readonly<Record<string, string>>, remoteAddress: string) {
    super(url, search, headers, remoteAddress);
    queries.set(this, parseQuery(search));
  }

  override get websocket(): boolean {
    return true;
  }

  get session(): unknown {
    return sessions.get(this);
  }

  set session(session: unknown) {
    if (session === undefined) sessions.delete(this);
    else sessions.set(this, session);
  }

  get query(): Readonly<Record<string, string>> {
    // Parsed again at most once after the socket let it go: a handler that reads it per event gets the same object
    // each time, and a socket nobody asks keeps none.
    let query = queries.get(this);
    if (query === undefined) queries.set(this, (query = parseQuery(this.search)));
    return query;
  }

  /** uWS upgrades GET requests only (its WebSocket routes are GET routes): not a field of every socket's. */
  get method(): string {
    return 'GET';
  }

  /**
   * The hooks have run, the socket opens: it keeps its request without the
   * headers of the handshake itself
   * (`sec-websocket-key`, `-version`, `-extensions`, `connection`, `upgrade`),
   * which mean nothing once the socket is open. What it keeps is frozen,
   * and shared with the previous socket when that one kept the same.
   */
  settle(): void {
    const all = this.headers;
    if (all['sec-websocket-key'] === undefined) return;
    const kept: Record<string, string> = {};
    for (const name of Object.keys(all)) if (!HANDSHAKE_ONLY.has(name)) kept[name] = all[name] as string;
    this.headers = sameHeaders(kept);
    // A hook read `req.raw` (a session hook always does): it shows the same headers from now on, not the handshake's.
    const copy = raws.get(this);
    if (copy !== undefined) raws.set(this, { ...copy, headers: this.headers });
  }

  /** The socket is open and the core has read what it needs of the query: it goes (parsed again if read later). */
  forgetQuery(): void {
    queries.delete(this);
  }
}

/** The headers an open socket kept last: frozen, shared by the next socket that keeps the same. */
let lastKept: Readonly<Record<string, string>> = Object.freeze({});

/**
 * `kept`, frozen, or the previous socket's kept headers when they are the
 * same names with the same values (clients of one app without cookies send
 * the same headers, word for word): those sockets share one object.
 */
function sameHeaders(kept: Record<string, string>): Readonly<Record<string, string>> {
  const last = lastKept;
  const names = Object.keys(kept);
  const lastNames = Object.keys(last);
  if (names.length === lastNames.length && names.every((n, i) => n === lastNames[i] && kept[n] === last[n])) return last;
  return (lastKept = Object.freeze(kept));
}

/** Copies the headers of a uWS request (repeated ones joined as Node joins them). */
function copyHeaders(req: HttpRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  req.forEach((name, value) => {
    const prev = headers[name];
    headers[name] = prev === undefined ? sharedHeaderValue(name, value) : `${prev}${name === 'cookie' ? '; ' : ', '}${value}`;
  });
  return headers;
}

function addressOf(res: HttpResponse): string {
  return same(Buffer.from(res.getRemoteAddressAsText()).toString('utf8'), lastAddress);
}

/** Copies what Sente needs of a uWS upgrade request; call it before anything async. */
export function copyUpgrade(req: HttpRequest, res: HttpResponse): UpgradeRequest {
  return new UpgradeRequest(same(req.getUrl(), lastUrl), req.getQuery() ?? '', copyHeaders(req), addressOf(res));
}

/** Copies what Sente needs of a uWS Ajax request, with its body if it has one; call it before anything async. */
export function copyRequest(req: HttpRequest, res: HttpResponse, body?: Promise<Uint8Array>): AjaxRequest {
  return new AjaxRequest(same(req.getCaseSensitiveMethod(), lastMethod), same(req.getUrl(), lastUrl), req.getQuery() ?? '', copyHeaders(req), addressOf(res), body);
}

/** A request body being read. */
export interface BodyReader {
  readonly body: Promise<Uint8Array>;
  /** True once the whole body arrived. */
  complete(): boolean;
  /** The request was aborted: the body never will arrive. */
  abort(): void;
}

/**
 * Starts reading a request body at once (uWS hands it only to an `onData`
 * handler registered in the request handler), keeping at most `limit` bytes:
 * past it the body rejects with the core's 413 error.
 */
export function readBody(res: HttpResponse, limit: number): BodyReader {
  let complete = false;
  let fail: (e: unknown) => void = () => {};
  const body = new Promise<Uint8Array>((resolve, reject) => {
    fail = reject;
    const parts: Uint8Array[] = [];
    let size = 0;
    res.onData((chunk, isLast) => {
      if (size > limit) return;
      size += chunk.byteLength;
      if (size > limit) return reject(payloadTooLarge(limit));
      // uWS neuters the chunk once this callback returns.
      parts.push(new Uint8Array(chunk.slice(0)));
      if (isLast) {
        complete = true;
        resolve(Buffer.concat(parts));
      }
    });
  });
  // The core may answer without reading the body (e.g. 503 while closing).
  body.catch(() => {});
  return {
    body,
    complete: () => complete,
    abort: () => fail(senteError('ERR_SENTE_ABORTED', 'Request aborted')),
  };
}
