import { collectBody, parseQuery, requestSearch, senteError } from '@sente/core';
import type { SenteBody, SenteRequest, SessionOf } from '@sente/core';
import type { IncomingMessage } from 'node:http';

/** What an app's own middleware may have put on a Node request. */
interface Decorated {
  session?: unknown;
  body?: unknown;
  _body?: boolean;
  originalUrl?: string;
}

/**
 * The {@link SenteRequest} view of a Node `IncomingMessage` (Express, Koa and
 * bare `http` requests alike). The session is taken from `session` when the
 * app's session middleware set one; a body that the app's body parser already
 * read is used as is, otherwise the raw body is read up to the core's limit.
 * `parsedBody` is that body when the framework keeps it elsewhere than
 * `req.body` (Koa's `ctx.request.body`); `query`, the query when the adapter
 * parsed it already.
 */
export function nodeRequest<Raw>(
  req: IncomingMessage,
  raw: Raw,
  websocket: boolean,
  session?: unknown,
  parsedBody?: unknown,
  query?: Record<string, string>,
): SenteRequest<Raw> {
  return new NodeRequest(req, raw, websocket, session, parsedBody, query);
}

/** A class rather than an object literal: its conditional spreads were copies, one per request (see {@link LazyNodeRequest}). */
class NodeRequest<Raw> implements SenteRequest<Raw> {
  readonly method: string;
  readonly websocket: boolean;
  readonly query: Record<string, string>;
  readonly headers: IncomingMessage['headers'];
  readonly remoteAddress: string | undefined;
  // Own only when there is one: the core reads a request without `session` as one with no session.
  declare readonly session?: SessionOf<Raw>;
  // Own only on a POST: the core reads a request without it as one with no body.
  declare readonly readBody?: (limit: number) => Promise<SenteBody>;
  readonly raw: Raw;

  constructor(req: IncomingMessage, raw: Raw, websocket: boolean, session: unknown, parsedBody: unknown, query: Record<string, string> | undefined) {
    const d = req as IncomingMessage & Decorated;
    this.method = req.method ?? 'GET';
    this.websocket = websocket;
    this.query = query ?? parseQuery(requestSearch(d.originalUrl ?? req.url));
    this.headers = req.headers;
    this.remoteAddress = req.socket?.remoteAddress;
    const sess = session ?? d.session;
    if (sess !== undefined) (this as { session?: unknown }).session = sess;
    if (req.method === 'POST') (this as { readBody?: (limit: number) => Promise<SenteBody> }).readBody = (limit: number) => readNodeBody(d, limit, parsedBody);
    this.raw = raw;
  }
}

/**
 * The {@link SenteRequest} view of an Ajax request whose `raw` is made by
 * `rawOf` when something first reads it, for frameworks whose own request
 * costs to make: Express's prototypes, set on Node's request and response,
 * slow down all of Node's work on them. No session, no body parser: the
 * request comes straight from the `http.Server`.
 */
export function lazyNodeRequest<Raw>(req: IncomingMessage, rawOf: () => Raw): SenteRequest<Raw> {
  return new LazyNodeRequest(req, rawOf);
}

/**
 * A class rather than an object literal: a literal's getter is a closure
 * defined on each object by a runtime call, and its conditional spreads are
 * copies — together about as much CPU as parsing the query.
 */
class LazyNodeRequest<Raw> implements SenteRequest<Raw> {
  readonly method: string;
  readonly websocket = false;
  readonly query: Record<string, string>;
  readonly headers: IncomingMessage['headers'];
  readonly remoteAddress: string | undefined;
  // Own only on a POST: the core reads a request without it as one with no body.
  declare readonly readBody?: (limit: number) => Promise<SenteBody>;
  #rawOf: (() => Raw) | undefined;
  #raw: Raw | undefined;

  constructor(req: IncomingMessage, rawOf: () => Raw) {
    this.method = req.method ?? 'GET';
    this.query = parseQuery(requestSearch(req.url));
    this.headers = req.headers;
    this.remoteAddress = req.socket?.remoteAddress;
    if (req.method === 'POST') (this as { readBody?: (limit: number) => Promise<SenteBody> }).readBody = (limit: number) => readNodeBody(req, limit, undefined);
    this.#rawOf = rawOf;
  }

  get raw(): Raw {
    const rawOf = this.#rawOf;
    if (rawOf !== undefined) {
      this.#raw = rawOf();
      this.#rawOf = undefined;
    }
    return this.#raw as Raw;
  }
}

async function readNodeBody(req: IncomingMessage & Decorated, limit: number, parsedBody: unknown): Promise<SenteBody> {
  // A body parser ran before us (express.urlencoded, @koa/bodyparser): the stream is spent.
  // (A parser that skipped the body's type, as @koa/bodyparser does for bytes, left it unread.)
  if (req._body === true || req.readableEnded) {
    const b = parsedBody ?? req.body;
    if (typeof b === 'string' || b instanceof Uint8Array) return b;
    if (typeof b === 'object' && b !== null) return b as Readonly<Record<string, unknown>>;
    return new Uint8Array(0);
  }
  // The usual small POST has all arrived with its headers (all its Content-Length is
  // buffered, even before 'end'): one read, no stream iterator. Node's parser pushes
  // the body of the bytes it is reading after the request's listeners return: when the
  // core asks that early, the body is there one microtask later.
  let body = bufferedBody(req, limit);
  if (body === undefined && !req.complete) {
    await undefined;
    body = bufferedBody(req, limit);
  }
  if (body !== undefined) return body;
  try {
    return await collectBody(req, limit);
  } catch (e) {
    // The stream broke off ('aborted', ECONNRESET): the client left mid-body.
    if (e instanceof Error && !('code' in e && typeof e.code === 'string' && e.code.startsWith('ERR_SENTE'))) throw senteError('ERR_SENTE_ABORTED', 'Request aborted', e);
    throw e;
  }
}

/** The whole body when it is all buffered and small enough to take in one read, else `undefined`. */
function bufferedBody(req: IncomingMessage, limit: number): Uint8Array | undefined {
  const length = req.readableLength;
  if (length <= limit && req.readableFlowing !== true && req.readableEncoding === null && (req.complete || (length > 0 && String(length) === req.headers['content-length']))) {
    return (req.read() as Buffer | null) ?? new Uint8Array(0);
  }
  return undefined;
}
