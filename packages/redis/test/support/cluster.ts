import http from 'node:http';
import WebSocket from 'ws';
import { senteHttp } from '@sente/node';
import { createSenteClient } from '@sente/client';
import { startRedisServer } from '@sente/adapter-conformance/redis-server';
import type { RedisServer } from '@sente/adapter-conformance/redis-server';
import type { SenteClient, SenteClientOptions } from '@sente/client';
import type { SenteError, ErrorContext, SenteServer, ServerEventMsg } from '@sente/core';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRedisBackplane } from '../../src/index.js';
import type { RedisBackplane, RedisBackplaneOptions } from '../../src/index.js';
import type { NodeSenteOptions } from '@sente/node';

export { startRedisServer };
export type { RedisServer };

/** One Sente server (a node of the cluster) on 127.0.0.1, with its own backplane. */
export interface TestNode {
  readonly name: string;
  readonly origin: string;
  readonly server: SenteServer<IncomingMessage>;
  readonly backplane: RedisBackplane;
  /** What reached its routers, in order. */
  readonly events: ServerEventMsg<IncomingMessage>[];
  readonly errors: { error: SenteError; context: ErrorContext }[];
  close(): Promise<void>;
  /** Stops as a crash would: sockets cut, Redis connections dropped, no leave. */
  crash(): Promise<void>;
}

/** Starts a node sharing `redisUrl`: uid from the `uid` query parameter, no CSRF check. */
export async function startNode(
  name: string,
  redisUrl: string,
  backplaneOptions: RedisBackplaneOptions = {},
  serverOptions: Partial<NodeSenteOptions<IncomingMessage>> = {},
): Promise<TestNode> {
  const backplane = createRedisBackplane({ url: redisUrl, prefix: 'test', heartbeatMs: 200, presenceTtlMs: 800, releaseDelayMs: 100, ...backplaneOptions });
  const errors: { error: SenteError; context: ErrorContext }[] = [];
  const sente = senteHttp({
    csrfToken: null,
    userId: (req) => req.query['uid'] ?? null,
    msAllowReconnectBeforeCloseWs: 300,
    msAllowReconnectBeforeCloseAjax: 1500,
    lpTimeoutMs: 3000,
    onError: (error, context) => void errors.push({ error, context }),
    ...serverOptions,
    backplane,
  });
  const events: ServerEventMsg<IncomingMessage>[] = [];
  sente.server.startRouter((msg) => {
    events.push(msg);
    if (msg.id === 'test/echo') msg.reply?.({ echo: msg.data, node: name });
  });
  const httpServer = http.createServer(sente.listener);
  // Every socket, upgraded ones included, for a crash to cut.
  const sockets = new Set<import('node:net').Socket>();
  httpServer.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  sente.attach(httpServer);
  await backplane.ready;
  const origin = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  const stopHttp = async (): Promise<void> => {
    httpServer.closeAllConnections();
    await new Promise<void>((resolve) => httpServer.close(() => resolve()));
  };
  let closed: Promise<void> | undefined;
  return {
    name,
    origin,
    server: sente.server,
    backplane,
    events,
    errors,
    close() {
      closed ??= (async () => {
        await sente.close();
        await stopHttp();
      })();
      return closed;
    },
    async crash() {
      backplane.abandon();
      // The network goes with the process: nothing more reaches a client (no close frame, no last batch).
      for (const socket of sockets) socket.destroy();
      // Redis first: nothing of the server's own leave path reaches it (the backplane is gone).
      closed ??= (async () => {
        await sente.close();
        await stopHttp();
      })();
      await closed;
    },
  };
}

/** A `fetch` that sends each request to the next origin in turn: a round-robin balancer with no affinity. */
export function roundRobinFetch(origins: readonly string[]): { fetch: typeof fetch; hits: string[] } {
  let i = 0;
  const hits: string[] = [];
  const rr: typeof fetch = (input, init) => {
    const url = String(input);
    const origin = origins[i++ % origins.length] as string;
    hits.push(origin);
    return globalThis.fetch(url.replace(/^http:\/\/[^/]+/, origin), init);
  };
  return { fetch: rr, hits };
}

/** A `WebSocket` class that connects to each origin in turn. */
export function roundRobinWebSocket(origins: readonly string[]): typeof WebSocket {
  let i = 0;
  return class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      const origin = (origins[i++ % origins.length] as string).replace(/^http/, 'ws');
      super(String(url).replace(/^wss?:\/\/[^/]+/, origin), protocols);
    }
  } as typeof WebSocket;
}

/** A `fetch` that sends each request to wherever `origin()` says then. */
export function switchableFetch(origin: () => string): typeof fetch {
  return (input, init) => globalThis.fetch(String(input).replace(/^http:\/\/[^/]+/, origin()), init);
}

/** A `WebSocket` class that connects to wherever `origin()` says at each (re)connect. */
export function switchableWebSocket(origin: () => string): typeof WebSocket {
  return class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(String(url).replace(/^wss?:\/\/[^/]+/, origin().replace(/^http/, 'ws')), protocols);
    }
  } as typeof WebSocket;
}

/** A real client of the cluster, with everything it received. */
export interface TestClient {
  readonly client: SenteClient;
  /** What the client reported (a node gone, …). */
  readonly errors: unknown[];
  readonly received: unknown[][];
  readonly handshakes: { recovered: boolean | undefined }[];
}

/** Connects a real `@sente/client` as `uid` to `origin` (options may override the transport's wiring). */
export function connect(origin: string, uid: string, options: SenteClientOptions = {}): TestClient {
  const errors: unknown[] = [];
  const client = createSenteClient(`${origin}/chsk`, null, {
    type: 'ws',
    WebSocket: WebSocket as never,
    params: { uid },
    onError: (e) => void errors.push(e),
    ...options,
  });
  const received: unknown[][] = [];
  const handshakes: { recovered: boolean | undefined }[] = [];
  client.on('event', (ev) => void received.push(ev as unknown as unknown[]));
  client.on('handshake', (h) => void handshakes.push({ recovered: h.recovered }));
  return { client, errors, received, handshakes };
}

/** The data of the received events with id `id`. */
export function dataOf(c: TestClient, id: string): unknown[] {
  return c.received.filter((e) => e[0] === id).map((e) => e[1]);
}

/** Waits until `check` holds (polling every 20 ms), failing after `ms`. */
export async function until(check: () => boolean, ms = 8000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
