import { once } from 'node:events';
import { createServer } from 'node:http';
import uWS from 'uWebSockets.js';
import type { Server as HttpServer } from 'node:http';
import type { Backplane, SenteServer } from '@sente/core';
import type { Server as IoServer } from 'socket.io';
import type { Target } from '../targets.js';
import { ECHO_ID, PUSH_ID, pushData } from '../wire.js';

/** One system under test, listening on 127.0.0.1. */
export interface BenchServer {
  readonly port: number;
  /** Pushes one event to every connection. */
  push(): void;
  close(): Promise<void>;
}

/** Starts `target`'s server on 127.0.0.1 on a free port; a cluster target's shares its clients on the Redis at `redisUrl`. */
export function startServer(target: Target, redisUrl?: string): Promise<BenchServer> {
  if (target === 'sente-cluster' || target === 'socketio-cluster') {
    if (redisUrl === undefined) throw new Error(`${target} needs a Redis`);
    return target === 'sente-cluster' ? senteCluster(redisUrl) : socketIoCluster(redisUrl);
  }
  return FACTORIES[target]();
}

const FACTORIES: Record<Exclude<Target, 'sente-cluster' | 'socketio-cluster'>, () => Promise<BenchServer>> = {
  ws: rawWs,
  uws: rawUws,
  socketio: socketIo,
  'socketio-uws': socketIoUws,
  'sente-express': () => senteOnExpress(),
  'sente-express-before': () => senteOnExpress(false, undefined, true),
  'sente-uws': senteOnUws,
  'sente-uws-bare': senteOnUws,
  'sente-uws-ids': senteOnUws,
  'sente-express-log': () => senteOnExpress(),
  'sente-express-schema': () => senteOnExpress(true),
};

/** `[[id data] cbId]` → `[data cbId]`: the whole of a raw server's work per request. */
function rawReply(text: string): string {
  const [event, cbId] = JSON.parse(text) as [[string, unknown], string];
  return JSON.stringify([event[1], cbId]);
}

async function listenHttp(http: HttpServer): Promise<number> {
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return (http.address() as { port: number }).port;
}

function closeHttp(http: HttpServer): Promise<void> {
  http.closeAllConnections();
  return new Promise((r) => http.close(() => r()));
}

function listenUws(app: uWS.TemplatedApp): Promise<{ port: number; close: () => void }> {
  return new Promise((resolve, reject) => {
    app.listen('127.0.0.1', 0, (token) => {
      if (!token) reject(new Error('uWS could not listen on 127.0.0.1'));
      else resolve({ port: uWS.us_socket_local_port(token), close: () => uWS.us_listen_socket_close(token) });
    });
  });
}

// Each target imports only its own libraries: a server process loads nothing it does not measure.

async function rawWs(): Promise<BenchServer> {
  const { WebSocketServer } = await import('ws');
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', (ws) => {
    ws.on('message', (data) => ws.send(rawReply(String(data))));
  });
  const port = await listenHttp(http);
  return {
    port,
    push() {
      const text = JSON.stringify([PUSH_ID, pushData()]);
      for (const ws of wss.clients) ws.send(text);
    },
    async close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await closeHttp(http);
    },
  };
}

async function rawUws(): Promise<BenchServer> {
  const app = uWS.App();
  app.ws('/*', {
    idleTimeout: 0,
    open: (ws) => void ws.subscribe('all'),
    message: (ws, message) => void ws.send(rawReply(Buffer.from(message).toString('utf8')), false),
  });
  const listening = await listenUws(app);
  return {
    port: listening.port,
    // uWS's own fan-out: one publish, the frame built once in C++.
    push: () => void app.publish('all', JSON.stringify([PUSH_ID, pushData()]), false),
    async close() {
      listening.close();
      app.close();
    },
  };
}

function onIoConnection(io: IoServer): void {
  io.on('connection', (socket) => {
    socket.on('echo', (data: unknown, ack: (v: unknown) => void) => ack(data));
  });
}

async function socketIo(): Promise<BenchServer> {
  const { Server } = await import('socket.io');
  const http = createServer();
  const io = new Server(http, { serveClient: false });
  onIoConnection(io);
  const port = await listenHttp(http);
  return {
    port,
    push: () => void io.emit('push', pushData()),
    async close() {
      await io.close();
      await closeHttp(http).catch(() => {});
    },
  };
}

/** Socket.IO with the classic Redis adapter (pub/sub: every broadcast reaches every process), on ioredis. */
async function socketIoCluster(redisUrl: string): Promise<BenchServer> {
  const [{ Server }, { createAdapter }, { Redis }] = await Promise.all([import('socket.io'), import('@socket.io/redis-adapter'), import('ioredis')]);
  const pub = new Redis(redisUrl);
  const sub = pub.duplicate();
  const http = createServer();
  const io = new Server(http, { serveClient: false, adapter: createAdapter(pub, sub) });
  onIoConnection(io);
  const port = await listenHttp(http);
  return {
    port,
    push: () => void io.emit('push', pushData()),
    async close() {
      await io.close();
      pub.disconnect();
      sub.disconnect();
      await closeHttp(http).catch(() => {});
    },
  };
}

async function socketIoUws(): Promise<BenchServer> {
  const { Server } = await import('socket.io');
  const app = uWS.App();
  const io = new Server({ serveClient: false });
  io.attachApp(app);
  onIoConnection(io);
  const listening = await listenUws(app);
  return {
    port: listening.port,
    push: () => void io.emit('push', pushData()),
    async close() {
      listening.close();
      await io.close();
    },
  };
}

/** The bench's events as a contract of zod schemas: every echo is checked on its way in. */
async function benchContract() {
  const [{ z }, { defineContract }] = await Promise.all([import('zod'), import('@sente/core')]);
  const data = z.object({ n: z.number(), text: z.string().max(1000) });
  return defineContract({ requests: { [ECHO_ID]: { payload: data, reply: data } }, pushes: { [PUSH_ID]: z.object({ t: z.number(), text: z.string() }) } });
}

function senteRouter<Raw>(server: SenteServer<Raw>): void {
  server.startRouter((msg) => {
    if (msg.id === ECHO_ID) msg.reply?.(msg.data);
  });
}

/**
 * Sente's middleware in an Express app, as a user adds it; with `beforeApp`,
 * its Ajax answered from the HTTP server before Express (`ajaxBeforeApp`),
 * as Socket.IO's is: the app has no middleware Sente's hooks need.
 */
async function senteOnExpress(withSchemas = false, backplane?: Backplane, beforeApp = false): Promise<BenchServer> {
  const [{ default: express }, { senteExpress }] = await Promise.all([import('express'), import('@sente/express')]);
  const app = express();
  const contract = withSchemas ? await benchContract() : undefined;
  const sente = senteExpress({
    csrfToken: null,
    userId: (req) => req.query['uid'] as string,
    ...(beforeApp ? { ajaxBeforeApp: app } : {}),
    ...(contract === undefined ? {} : { contract }),
    ...(backplane === undefined ? {} : { backplane }),
  });
  // Typed by the contract when there is one; the bench drives it untyped.
  const server = sente.server as unknown as SenteServer<unknown>;
  app.use(sente.middleware);
  const http = createServer(app);
  sente.attach(http);
  senteRouter(server);
  const port = await listenHttp(http);
  return {
    port,
    push: () => server.broadcast([PUSH_ID, pushData()]),
    async close() {
      await sente.close();
      await closeHttp(http);
    },
  };
}

/** Sente on Express with the Redis backplane: a broadcast reaches the clients of every process. */
async function senteCluster(redisUrl: string): Promise<BenchServer> {
  const { createRedisBackplane } = await import('@sente/redis');
  const backplane = createRedisBackplane({ url: redisUrl, prefix: 'bench' });
  const server = await senteOnExpress(false, backplane);
  await backplane.ready;
  return server;
}

async function senteOnUws(): Promise<BenchServer> {
  const { attachSente } = await import('@sente/uws');
  const app = uWS.App();
  const sente = attachSente(app, { csrfToken: null, userId: (req) => req.query['uid'] as string });
  senteRouter(sente.server);
  const listening = await listenUws(app);
  return {
    port: listening.port,
    push: () => sente.server.broadcast([PUSH_ID, pushData()]),
    async close() {
      await sente.close();
      listening.close();
      app.close();
    },
  };
}
