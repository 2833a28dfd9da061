import { WIRE } from './ids.js';
import { keywordName } from './keyword.js';
import type { SenteHeaders, SenteRequest } from './request.js';

/**
 * What a client of the extensions hands on its open connection with
 * `[:chsk/refresh {params {…} headers {…} csrf-token "…" uid "…" key "…"}]`:
 * its app params (all of them: they replace the old ones), extra headers,
 * CSRF token; on a POST, the uid it has now and its connection's refresh key.
 */
export interface RefreshCredentials {
  readonly params: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly csrfToken: string | undefined;
  /** The uid the client has now (a POST names the connection it refreshes by it). */
  readonly uid: string | undefined;
  /** The connection's refresh key, from its handshake (a POST proves with it that it holds the connection). */
  readonly key: string | undefined;
}

/** Bounds of a refresh's contents: anything over them is refused as a bad event. */
const MAX_FIELDS = 64;
const MAX_KEY = 256;
const MAX_VALUE = 8192;

/**
 * Headers a refresh may not set: they belong to the connection (its cookies,
 * origin, host, upgrade), which only a new HTTP request can change.
 */
export function fixedHeader(name: string): boolean {
  return name === 'cookie' || name === 'host' || name === 'origin' || name === 'referer' || name === 'upgrade' || name === 'connection' || name.startsWith('sec-') || name.startsWith('content-');
}

/** The query keys of the connection's own request that a refresh keeps (the client's, not the app's). */
const KEPT_QUERY = [WIRE.clientId, WIRE.ext, WIRE.position] as const;

function getter(v: unknown): ((k: string) => unknown) | undefined {
  if (v instanceof Map) return (k) => v.get(k) ?? v.get(keywordNamed(v, k));
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return (k) => (Object.hasOwn(v, k) ? (v as Record<string, unknown>)[k] : undefined);
  return undefined;
}

/** A map's key whose keyword name is `k` (packers with keywords read `{:params …}` as keyword keys). */
function keywordNamed(m: Map<unknown, unknown>, k: string): unknown {
  for (const key of m.keys()) if (keywordName(key) === k) return key;
  return undefined;
}

function entries(v: unknown): Array<[unknown, unknown]> | undefined {
  if (v === undefined || v === null) return [];
  if (v instanceof Map) return [...v.entries()];
  if (typeof v === 'object' && !Array.isArray(v)) return Object.entries(v as Record<string, unknown>);
  return undefined;
}

function stringMap(v: unknown, lowerKeys: boolean): Record<string, string> | undefined {
  const es = entries(v);
  if (es === undefined || es.length > MAX_FIELDS) return undefined;
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, x] of es) {
    const name = keywordName(k) ?? (typeof k === 'string' ? k : undefined);
    if (name === undefined || name.length === 0 || name.length > MAX_KEY) return undefined;
    if (x === null || x === undefined) continue;
    const value = typeof x === 'string' ? x : typeof x === 'number' || typeof x === 'boolean' ? String(x) : undefined;
    if (value === undefined || value.length > MAX_VALUE) return undefined;
    out[lowerKeys ? name.toLowerCase() : name] = value;
  }
  return out;
}

function optionalString(v: unknown): string | undefined | null {
  if (v === undefined || v === null) return undefined;
  const s = keywordName(v) ?? (typeof v === 'string' ? v : null);
  return s !== null && s.length <= MAX_VALUE ? s : null;
}

/** Reads a refresh's data; `undefined` when it is malformed. */
export function readRefresh(data: unknown): RefreshCredentials | undefined {
  const get = getter(data ?? {});
  if (get === undefined) return undefined;
  const params = stringMap(get('params'), false);
  const headers = stringMap(get('headers'), true);
  const csrfToken = optionalString(get('csrf-token'));
  const uid = optionalString(get('uid'));
  const key = optionalString(get('key'));
  if (params === undefined || headers === undefined || csrfToken === null || uid === null || key === null) return undefined;
  return { params, headers, csrfToken, uid, key };
}

/**
 * The request the server's hooks see for a refresh over an open WebSocket: the
 * connection's own request (its cookies, session, remote address, origin,
 * `raw`) with the refreshed app params, headers and CSRF token. Its `refresh`
 * is true. Cookies cannot change this way: a new HTTP request (an Ajax POST)
 * carries new cookies.
 */
export function refreshedRequest<Raw>(orig: SenteRequest<Raw>, c: RefreshCredentials): SenteRequest<Raw> {
  const query: Record<string, string> = {};
  for (const k of KEPT_QUERY) {
    const v = orig.query[k];
    if (v !== undefined) query[k] = v;
  }
  for (const k of Object.keys(c.params)) if (!(k in query) && k !== WIRE.csrfToken) query[k] = c.params[k] as string;
  if (c.csrfToken !== undefined) query[WIRE.csrfToken] = c.csrfToken;
  const headers: Record<string, string | readonly string[] | undefined> = { ...orig.headers };
  // The old token must not pass for the new one: the refreshed credentials say which, if any.
  delete headers['x-csrf-token'];
  delete headers['x-xsrf-token'];
  for (const k of Object.keys(c.headers)) if (!fixedHeader(k)) headers[k] = c.headers[k];
  const req: { -readonly [K in keyof SenteRequest<Raw>]: SenteRequest<Raw>[K] } = {
    method: orig.method,
    websocket: orig.websocket,
    query,
    headers: headers as SenteHeaders,
    remoteAddress: orig.remoteAddress,
    raw: orig.raw,
    refresh: true,
  };
  if ('session' in orig) req.session = orig.session;
  return req;
}
