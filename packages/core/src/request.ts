/** Request headers with lower-case names, as Node's `IncomingHttpHeaders`. */
export type SenteHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * A request body as the adapter has it: raw bytes or text, or the fields of a
 * form that the app's own body parser already read.
 */
export type SenteBody = Uint8Array | string | Readonly<Record<string, unknown>>;

/**
 * The type of a framework request's session: what the request type declares
 * for `session` (express-session's `SessionData`, `@fastify/session`'s
 * `Session`, Koa's context), `unknown` when it declares none.
 */
export type SessionOf<Raw> = Raw extends { readonly session?: infer S }
  ? S
  : // A request type open to any property (Koa's context): its session is whatever it holds.
    Raw extends { readonly [key: string]: infer V }
    ? V
    : unknown;

/**
 * The framework-neutral view of a request to the Sente path that every
 * adapter builds and every hook (`userId`, `csrfToken`, `authorized`, …)
 * receives. `raw` is the framework's own request (Express `req`, Koa `ctx`,
 * fastify `request`, uWS's copied request data).
 */
export interface SenteRequest<Raw = unknown> {
  /** The HTTP method as sent: `'GET'` or `'POST'` (anything else, lower case included, is answered 405). */
  readonly method: string;
  /** True for a WebSocket upgrade request (given to `server.handleUpgrade`). */
  readonly websocket: boolean;
  /** Query parameters, first value of each, decoded (`handshake%3F` reads as `handshake?`). */
  readonly query: Readonly<Record<string, string>>;
  /** Request headers, lower-case names. */
  readonly headers: SenteHeaders;
  /**
   * The session, when the app uses a session middleware (`req.session`,
   * `ctx.session`, …), typed as the framework's request types declare it
   * (see {@link SessionOf}).
   */
  readonly session?: SessionOf<Raw>;
  /**
   * Reads the POST body, at most `limit` bytes; throws a `ERR_SENTE_PAYLOAD_TOO_LARGE`
   * error past it (see `collectBody`). Absent on GET.
   */
  readonly readBody?: (limit: number) => Promise<SenteBody>;
  /** The peer's IP address, when the adapter knows it (for per-address limits). */
  readonly remoteAddress?: string | undefined;
  /** The framework's own request object. */
  readonly raw: Raw;
  /**
   * True for the request of a credential refresh over an open WebSocket: the
   * connection's own request (cookies, session, remote address, `raw`) with
   * the client's refreshed params, headers and CSRF token.
   */
  readonly refresh?: boolean | undefined;
}

/**
 * True on an adapter's request whose `raw` costs nothing to keep: made when
 * read, from what the request keeps anyway (`@sente/uws`'s copy of uWS's
 * request). `keepUpgradeRaw` leaves such a request as it is: a view without
 * `raw` would only copy (and parse) what it already holds.
 */
export const RAW_MADE_ON_READ: unique symbol = Symbol('sente.rawMadeOnRead');

/**
 * What a WebSocket keeps of its upgrade request after the handshake when the
 * server's `keepUpgradeRaw` is false: the same view, with `raw: undefined`,
 * so that the framework's request can go.
 */
export function withoutRaw<Raw>(req: SenteRequest<Raw>): SenteRequest<Raw> {
  if ((req as { [RAW_MADE_ON_READ]?: boolean })[RAW_MADE_ON_READ] === true || req.raw === undefined) return req;
  // Field by field, not a spread: an adapter's request may be a class whose fields are getters.
  const out: { -readonly [K in keyof SenteRequest<Raw>]: SenteRequest<Raw>[K] } = {
    method: req.method,
    websocket: req.websocket,
    query: req.query,
    headers: req.headers,
    remoteAddress: req.remoteAddress,
    raw: undefined as Raw,
  };
  if (req.session !== undefined) out.session = req.session;
  if (req.readBody !== undefined) out.readBody = req.readBody;
  if (req.refresh !== undefined) out.refresh = req.refresh;
  return out;
}

/** A plain HTTP response: rejections, and Ajax answers. */
export interface SenteResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array;
}

/**
 * Parses a query string or form body (with or without the leading `?`): the
 * first value of each key, decoded as `URLSearchParams` decodes (`+` is a
 * space), each as an own property, whatever its name (`constructor` and
 * `__proto__` too). One pass with `indexOf`: this runs on every Ajax request.
 */
export function parseQuery(search: string): Record<string, string> {
  const out: Record<string, string> = {};
  const n = search.length;
  let i = n > 0 && search.charCodeAt(0) === 63 /* ? */ ? 1 : 0;
  while (i < n) {
    let end = search.indexOf('&', i);
    if (end < 0) end = n;
    if (end > i) {
      let eq = search.indexOf('=', i);
      if (eq < 0 || eq > end) eq = end;
      const k = decodeFormComponent(search.slice(i, eq));
      if (!Object.hasOwn(out, k)) {
        const v = eq < end ? decodeFormComponent(search.slice(eq + 1, end)) : '';
        // An own `__proto__` key, as URLSearchParams has it: assigned, it would go to the prototype setter and be lost.
        if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
        else out[k] = v;
      }
    }
    i = end + 1;
  }
  return out;
}

/** One key or value of a form: `+` is a space, `%XX` a UTF-8 byte; a malformed escape decodes as `URLSearchParams` does. */
function decodeFormComponent(s: string): string {
  if (s.includes('+')) s = s.replace(/\+/g, ' ');
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return new URLSearchParams(`v=${s}`).get('v') ?? '';
  }
}

/** The first value of a header, or `undefined`. */
export function headerValue(headers: SenteHeaders, name: string): string | undefined {
  const v = headers[name];
  return typeof v === 'string' ? v : v?.[0];
}
