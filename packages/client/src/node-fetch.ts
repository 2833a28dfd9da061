import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { FetchLike, ResponseLike } from './platform.js';

/**
 * How many sockets the Ajax transport of one client opens to one server at
 * most, as a browser does per origin: the parked long-poll holds one, POSTs
 * share the rest; more requests wait for a free socket.
 */
export const NODE_MAX_SOCKETS = 6;

/**
 * An idle kept-alive socket closes after this, as Node's `fetch` (undici)
 * closes its own (sooner when the server's `Keep-Alive: timeout=` says so):
 * before most servers close theirs, so that a request seldom goes out on a
 * socket the server is closing.
 */
const IDLE_SOCKET_MS = 4000;

/** A failed network request, as `fetch` rejects: a `TypeError` whose `cause` says what happened. */
const failed = (message: string, cause: unknown): TypeError => new TypeError(message, { cause });

/** Whether a `Connection` header value asks to close the connection after the response. */
const isClose = (value: unknown): boolean => typeof value === 'string' && /\bclose\b/i.test(value);

/** The response headers, read the way `Headers.get` reads them. */
class NodeHeaders {
  constructor(private readonly raw: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  }
}

/** A response read off `node:http`: the part of `fetch`'s `Response` the client uses. */
class NodeResponse implements ResponseLike {
  readonly ok: boolean;
  readonly status: number;
  readonly headers: NodeHeaders;
  readonly body: { cancel(): Promise<void> };

  constructor(
    private readonly res: IncomingMessage,
    private readonly signal: AbortSignal,
  ) {
    this.status = res.statusCode ?? 0;
    this.ok = this.status >= 200 && this.status < 300;
    this.headers = new NodeHeaders(res.headers);
    this.body = {
      // Read to the end and dropped: the socket goes back to the agent for the next request.
      cancel: () => {
        res.resume();
        return Promise.resolve();
      },
    };
  }

  async text(): Promise<string> {
    const chunks = await this.read();
    return chunks.length === 1 ? (chunks[0] as Buffer).toString() : Buffer.concat(chunks).toString();
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const chunks = await this.read();
    // A copy: a chunk may be a slice of a larger (pooled) buffer.
    const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    return bytes.buffer;
  }

  /** The whole body; rejects as `fetch`'s body does when the request is aborted or the connection drops. */
  private read(): Promise<Buffer[]> {
    const { res, signal } = this;
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => resolve(chunks));
      res.once('error', (error) => reject(signal.aborted ? signal.reason : failed('terminated', error)));
    });
  }
}

/**
 * A {@link FetchLike} on `node:http` and `node:https`, with keep-alive agents
 * of its own (at most {@link NODE_MAX_SOCKETS} sockets per server): what a
 * client's Ajax uses on Node when the app passes no `fetch`. Node's `fetch`
 * (undici) costs several times the CPU per request. Like `fetch` on Node it
 * keeps no cookies; unlike it, it follows no redirect (a 3xx is an error
 * status to the client) and asks for no compression. Errors are `fetch`'s:
 * the signal's reason once aborted, a `TypeError` (`cause`: Node's error)
 * when the network fails. Idle sockets never keep the process alive.
 */
export function createNodeFetch(): FetchLike {
  const agentOptions = { keepAlive: true, scheduling: 'lifo' as const, timeout: IDLE_SOCKET_MS, maxSockets: NODE_MAX_SOCKETS };
  let http: HttpAgent | undefined;
  let https: HttpsAgent | undefined;
  return (url, { method, headers, body, signal }) =>
    new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const secure = url.startsWith('https:');
      const agent = secure ? (https ??= new HttpsAgent(agentOptions)) : (http ??= new HttpAgent(agentOptions));
      const req = (secure ? httpsRequest : httpRequest)(url, { method, headers, agent });
      // Who is asking, as Node's `fetch` says it (servers and their dashboards show it), unless the app's headers say.
      if (!req.hasHeader('user-agent')) req.setHeader('user-agent', 'node');
      // The app's `Connection: close` holds whatever the server answers: the socket serves no other request
      // (Node would keep it when the server's answer does not say close too, and the server closes it).
      if (isClose(req.getHeader('connection'))) req.shouldKeepAlive = false;
      let answered = false;
      const onAbort = (): void => {
        req.destroy();
        reject(signal.reason);
      };
      const done = (): void => signal.removeEventListener('abort', onAbort);
      signal.addEventListener('abort', onAbort);
      req.once('response', (res) => {
        answered = true;
        // Read (or dropped) to the end, or failed: an abort has nothing left to stop.
        res.once('close', done);
        resolve(new NodeResponse(res, signal));
      });
      // `on`, not `once`: a socket error after the response reaches the request too (the body fails with it).
      req.on('error', (error) => {
        if (answered) return;
        done();
        reject(signal.aborted ? signal.reason : failed('fetch failed', error));
      });
      req.end(body);
    });
}
