import { SenteError } from '@sente/core';

/** Extra query parameters; `null` and `undefined` values are left out. */
export type QueryParams = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** The two base URLs of a chsk path, without query parameters of ours. */
export interface ChskUrls {
  /** `ws:` or `wss:` URL for the WebSocket. */
  readonly ws: string;
  /** `http:` or `https:` URL for Ajax. */
  readonly ajax: string;
}

/**
 * Resolves `path` against the page location (browsers) into the WebSocket and
 * Ajax URLs. A full `http(s)://` or `ws(s)://` URL works anywhere; a relative
 * path needs a page.
 */
export function chskUrls(path: string, base: string | undefined): ChskUrls {
  let url: URL;
  try {
    url = new URL(path, base);
  } catch (cause) {
    throw new SenteError(
      'ERR_SENTE_BAD_OPTION',
      `Cannot resolve "${path}": outside a page, pass a full URL.`,
      { cause },
    );
  }
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  if (!secure && url.protocol !== 'http:' && url.protocol !== 'ws:') {
    throw new SenteError('ERR_SENTE_BAD_OPTION', `The chsk URL must be http(s) or ws(s), not "${url.protocol}".`);
  }
  url.hash = '';
  const rest = url.href.slice(url.protocol.length);
  return { ws: (secure ? 'wss:' : 'ws:') + rest, ajax: (secure ? 'https:' : 'http:') + rest };
}

/** Appends `key=value` (both URL-encoded) to a query string being built. */
export function appendParam(query: string, key: string, value: string): string {
  const pair = encodeURIComponent(key) + '=' + encodeURIComponent(value);
  return query.length === 0 ? pair : query + '&' + pair;
}

/**
 * The app's params as a query string, leaving out `reserved` keys (the
 * client's own, which Sente never lets the app clobber) and empty values.
 */
export function appParamsQuery(params: QueryParams | undefined, reserved: readonly string[]): string {
  let q = '';
  if (params === undefined) return q;
  for (const key of Object.keys(params)) {
    const v = params[key];
    if (v === null || v === undefined || reserved.includes(key)) continue;
    q = appendParam(q, key, String(v));
  }
  return q;
}

/** `base` with `query` added, whether or not `base` already has a query. */
export function withQuery(base: string, query: string): string {
  if (query.length === 0) return base;
  return base + (base.includes('?') ? '&' : '?') + query;
}
