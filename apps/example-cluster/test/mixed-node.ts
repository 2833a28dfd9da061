/**
 * One server process of the multi-node test: Express, fastify or uWS (the
 * first argument) on a free loopback port, with the Redis backplane
 * (REDIS_URL), `userId` from the `uid` query parameter and no CSRF check.
 * Driven by the test over IPC: `send` pushes to uids from this process,
 * `connectedUids` and `stats` read what it sees. It exits when its parent goes.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConnectedUids, SenteServer } from '@sente/core';
import { createRedisBackplane } from '@sente/redis';

type Adapter = 'express' | 'fastify' | 'uws';

/** A request from the test. */
export type NodeRequest =
  | { readonly id: number; readonly cmd: 'send'; readonly uids: readonly string[]; readonly event: readonly [string, unknown] }
  | { readonly id: number; readonly cmd: 'connectedUids' }
  | { readonly id: number; readonly cmd: 'stats' };

/** What the process tells the test once it serves. */
export interface NodeReady {
  readonly ready: true;
  readonly port: number;
  readonly pid: number;
}

const adapter = process.argv[2] as Adapter;
const redisUrl = process.env['REDIS_URL'];
if (redisUrl === undefined || process.send === undefined) throw new Error('mixed-node.ts is started by the test, with REDIS_URL and an IPC channel');
const send = process.send.bind(process);

const backplane = createRedisBackplane({ url: redisUrl, prefix: 'sente-test', ...JSON.parse(process.env['BACKPLANE_OPTIONS'] ?? '{}') });
const options = {
  backplane,
  csrfToken: null,
  userId: (req: { query: Record<string, string | undefined> }) => req.query['uid'],
  onError: () => {},
} as const;

async function start(): Promise<{ server: SenteServer<unknown>; port: number; close: () => Promise<void> }> {
  switch (adapter) {
    case 'express': {
      const [{ default: express }, { senteExpress }] = await Promise.all([import('express'), import('@sente/express')]);
      const app = express();
      const sente = senteExpress(options);
      app.use(sente.middleware);
      const http = createServer(app);
      sente.attach(http);
      await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
      return {
        server: sente.server as unknown as SenteServer<unknown>,
        port: (http.address() as AddressInfo).port,
        close: async () => {
          await sente.close();
          http.closeAllConnections();
          await new Promise<void>((r) => http.close(() => r()));
        },
      };
    }
    case 'fastify': {
      const [{ default: Fastify }, { default: websocket }, { senteFastify }] = await Promise.all([
        import('fastify'),
        import('@fastify/websocket'),
        import('@sente/fastify'),
      ]);
      const app = Fastify({ forceCloseConnections: true });
      await app.register(websocket);
      await app.register(senteFastify, options);
      await app.listen({ host: '127.0.0.1', port: 0 });
      return { server: app.sente as unknown as SenteServer<unknown>, port: (app.server.address() as AddressInfo).port, close: () => app.close() };
    }
    case 'uws': {
      const [{ default: uWS }, { attachSente }] = await Promise.all([import('uWebSockets.js'), import('@sente/uws')]);
      const app = uWS.App();
      const sente = attachSente(app, options);
      const token = await new Promise<NonNullable<unknown>>((resolve, reject) =>
        app.listen('127.0.0.1', 0, (t) => (t ? resolve(t) : reject(new Error('Cannot listen on 127.0.0.1')))),
      );
      return {
        server: sente.server as unknown as SenteServer<unknown>,
        port: uWS.us_socket_local_port(token as Parameters<typeof uWS.us_socket_local_port>[0]),
        close: async () => {
          await sente.close();
          uWS.us_listen_socket_close(token as Parameters<typeof uWS.us_listen_socket_close>[0]);
          app.close();
        },
      };
    }
  }
}

const plain = (u: ConnectedUids): Record<'ws' | 'ajax' | 'any', string[]> => ({ ws: [...u.ws].sort(), ajax: [...u.ajax].sort(), any: [...u.any].sort() });

const node = await start();
await backplane.ready;

process.on('message', (m: NodeRequest) => {
  switch (m.cmd) {
    case 'send':
      // In order, from this process: the backplane keeps one sender's pushes to a uid in order.
      for (const uid of m.uids) node.server.send(uid, [m.event[0], m.event[1]] as never);
      send({ id: m.id, value: null });
      return;
    case 'connectedUids':
      send({ id: m.id, value: plain(node.server.connectedUids) });
      return;
    case 'stats':
      send({ id: m.id, value: node.server.stats() });
      return;
  }
});
process.once('disconnect', () => void node.close().finally(() => process.exit(0)));
send({ ready: true, port: node.port, pid: process.pid } satisfies NodeReady);
