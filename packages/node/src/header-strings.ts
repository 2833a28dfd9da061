import type { IncomingMessage } from 'node:http';

/**
 * The headers whose values repeat from one client to the next (the same
 * host, browser, origin and WebSocket version), so that one copy of each
 * value can serve every socket. Unique values (keys, cookies) stay out.
 */
const REPEATED = new Set([
  'host',
  'connection',
  'upgrade',
  'origin',
  'user-agent',
  'accept-encoding',
  'accept-language',
  'cache-control',
  'pragma',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
]);

/** At most this many strings are kept, none longer than {@link MAX_LENGTH}: the table is small whatever clients send. */
const MAX_STRINGS = 512;
const MAX_LENGTH = 256;

/** Each string kept once: header names as clients spell them, the values of {@link REPEATED}, HTTP versions. */
const known = new Map<string, string>();

function shared(s: string): string {
  const k = known.get(s);
  if (k !== undefined) return k;
  if (known.size < MAX_STRINGS && s.length <= MAX_LENGTH) known.set(s, s);
  return s;
}

/**
 * Makes the header strings of an upgrade request that a socket keeps for its
 * life (`req.headers`, `req.rawHeaders`, `req.httpVersion`) the copies every other socket's
 * request holds: Node's parser makes new strings for every request, a few
 * hundred bytes per socket that are the same for all. The request reads the
 * same as before: the same names and values, in the same arrays and objects.
 */
export function shareHeaderStrings(req: IncomingMessage): void {
  req.httpVersion = shared(req.httpVersion);
  const headers = req.headers as Record<string, string | string[] | undefined>;
  for (const name in headers) {
    const v = headers[name];
    if (typeof v === 'string' && REPEATED.has(name)) headers[name] = shared(v);
  }
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    raw[i] = shared(raw[i] as string);
    const v = raw[i + 1] as string;
    raw[i + 1] = known.get(v) ?? v;
  }
}
