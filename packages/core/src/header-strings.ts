/**
 * The header values that repeat from one client to the next (the same host,
 * browser, origin, WebSocket version), so that one copy of each can serve
 * every request an adapter keeps (an open socket keeps its upgrade request for
 * its life). Unique values (keys, cookies) stay out.
 */
const REPEATED = new Set([
  'host',
  'connection',
  'upgrade',
  'origin',
  'user-agent',
  'accept',
  'accept-encoding',
  'accept-language',
  'cache-control',
  'content-type',
  'pragma',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
]);

/** At most this many strings are kept, none longer than {@link MAX_LENGTH}: the table is small whatever clients send. */
const MAX_STRINGS = 512;
const MAX_LENGTH = 256;

/** Each string kept once. */
const known = new Map<string, string>();

/** `s`, or the copy of the same text already kept (kept from now on while the table has room). */
export function sharedString(s: string): string {
  const k = known.get(s);
  if (k !== undefined) return k;
  if (known.size < MAX_STRINGS && s.length <= MAX_LENGTH) known.set(s, s);
  return s;
}

/** The copy of a kept text equal to `s`, if there is one (nothing is added). */
export function knownString(s: string): string | undefined {
  return known.get(s);
}

/** `value` of header `name` (lower case), shared when that header's values repeat across clients (see {@link REPEATED}). */
export function sharedHeaderValue(name: string, value: string): string {
  return REPEATED.has(name) ? sharedString(value) : value;
}
