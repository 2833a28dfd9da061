import { knownString, sharedHeaderValue, sharedString } from '@sente/core/internal';
import type { IncomingMessage } from 'node:http';

/**
 * Makes the header strings of an upgrade request that a socket keeps for its
 * life (`req.headers`, `req.rawHeaders`, `req.httpVersion`) the copies every other socket's
 * request holds: Node's parser makes new strings for every request, a few
 * hundred bytes per socket that are the same for all. The request reads the
 * same as before: the same names and values, in the same arrays and objects.
 */
export function shareHeaderStrings(req: IncomingMessage): void {
  req.httpVersion = sharedString(req.httpVersion);
  const headers = req.headers as Record<string, string | string[] | undefined>;
  for (const name in headers) {
    const v = headers[name];
    if (typeof v === 'string') headers[name] = sharedHeaderValue(name, v);
  }
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    raw[i] = sharedString(raw[i] as string);
    const v = raw[i + 1] as string;
    raw[i + 1] = knownString(v) ?? v;
  }
}
