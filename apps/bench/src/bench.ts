import { once } from 'node:events';
import express from 'express';
import { WebSocket } from 'ws';
import { Server as IoServer } from 'socket.io';
import { io as ioClient } from 'socket.io-client';
import { senteExpress } from '@sente/express';
import { createSenteClient } from '@sente/client';
import type { SenteClient } from '@sente/client';
import type { Server as HttpServer } from 'node:http';
import type { Socket as IoClientSocket } from 'socket.io-client';

/** How much work each scenario does: every loop is bounded by these counts and by `deadlineMs`. */
export interface BenchSizes {
  /** Clients in the request/reply and push scenarios. */
  clients: number;
  /** Sequential request/reply round trips per client. */
  requestsPerClient: number;
  /** Events pushed to every client. */
  pushes: number;
  /** Clients opened in the connect scenario. */
  connects: number;
  /** A scenario that has not finished by then fails. */
  deadlineMs: number;
}

export const FULL: BenchSizes = { clients: 20, requestsPerClient: 250, pushes: 1000, connects: 200, deadlineMs: 60_000 };
export const QUICK: BenchSizes = { clients: 4, requestsPerClient: 20, pushes: 50, connects: 10, deadlineMs: 20_000 };

/** The result of one scenario on one library. */
export interface Measure {
  readonly ops: number;
  readonly ms: number;
  /** Operations per second. */
  readonly rate: number;
}

/** One system under test: a server on 127.0.0.1 and its clients. */
interface System {
  readonly name: string;
  /** Connects `n` clients; each gets `onPush` for every pushed `bench/push` event. */
  connect(n: number, onPush: (clientIndex: number) => void): Promise<void>;
  /** One request/reply round trip from client `i`. */
  request(i: number, n: number): Promise<unknown>;
  /** Pushes one event to every client. */
  pushAll(n: number): void;
  /** Disconnects every client. */
  disconnectAll(): Promise<void>;
  close(): Promise<void>;
}

async function closeHttp(server: HttpServer): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
}

async function senteSystem(): Promise<System> {
  const app = express();
  const sente = senteExpress({ csrfToken: null, userId: (req) => req.query['uid'] });
  app.use(sente.middleware);
  const http = app.listen(0, '127.0.0.1');
  await once(http, 'listening');
  sente.attach(http);
  const url = `http://127.0.0.1:${(http.address() as { port: number }).port}/chsk`;
  sente.server.startRouter((msg) => {
    if (msg.id === 'bench/echo') msg.reply?.(msg.data);
  });
  let clients: SenteClient[] = [];
  return {
    name: 'sente',
    async connect(n, onPush) {
      const fresh = Array.from({ length: n }, (_, i) =>
        createSenteClient(url, null, { WebSocket: WebSocket as never, type: 'ws', params: { uid: `u${clients.length + i}` } }),
      );
      const base = clients.length;
      fresh.forEach((c, i) => c.on('event', (ev) => ev[0] === 'bench/push' && onPush(base + i)));
      await Promise.all(fresh.map((c) => new Promise<void>((r) => (c.state.open ? r() : c.on('handshake', () => r())))));
      clients = clients.concat(fresh);
    },
    request: (i, n) => (clients[i] as SenteClient).request(['bench/echo', n], 10_000),
    pushAll: (n) => sente.server.broadcast(['bench/push', n]),
    async disconnectAll() {
      for (const c of clients) c.disconnect();
      clients = [];
    },
    async close() {
      await sente.close();
      await closeHttp(http);
    },
  };
}

async function socketIoSystem(): Promise<System> {
  const app = express();
  const http = app.listen(0, '127.0.0.1');
  const io = new IoServer(http, { transports: ['websocket'] });
  const port = await listenedPort(http);
  io.on('connection', (socket) => {
    socket.on('echo', (data: unknown, ack: (v: unknown) => void) => ack(data));
  });
  let clients: IoClientSocket[] = [];
  return {
    name: 'socket.io',
    async connect(n, onPush) {
      const base = clients.length;
      const fresh = Array.from({ length: n }, (_, i) => {
        const s = ioClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true, reconnection: false });
        s.on('push', () => onPush(base + i));
        return s;
      });
      await Promise.all(fresh.map((s) => new Promise<void>((r) => (s.connected ? r() : s.once('connect', () => r())))));
      clients = clients.concat(fresh);
    },
    request: (i, n) => (clients[i] as IoClientSocket).emitWithAck('echo', n),
    pushAll: (n) => void io.emit('push', n),
    async disconnectAll() {
      for (const s of clients) s.disconnect();
      clients = [];
    },
    async close() {
      io.close();
      await closeHttp(http);
    },
  };
}

async function listenedPort(http: HttpServer): Promise<number> {
  if (!http.listening) await once(http, 'listening');
  return (http.address() as { port: number }).port;
}

function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not finished within ${ms} ms`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

async function measure(ops: number, run: () => Promise<void>): Promise<Measure> {
  const t0 = performance.now();
  await run();
  const ms = performance.now() - t0;
  return { ops, ms, rate: (ops * 1000) / ms };
}

/** Scenario: every client does sequential request/reply round trips, all clients at once. */
async function requestReply(sys: System, s: BenchSizes): Promise<Measure> {
  await sys.connect(s.clients, () => {});
  const m = await measure(s.clients * s.requestsPerClient, async () => {
    await Promise.all(
      Array.from({ length: s.clients }, async (_, i) => {
        for (let n = 0; n < s.requestsPerClient; n++) {
          const reply = await sys.request(i, n);
          if (reply !== n) throw new Error(`${sys.name}: wrong reply ${String(reply)} for ${n}`);
        }
      }),
    );
  });
  await sys.disconnectAll();
  return m;
}

/** Scenario: the server pushes events to every client; done when each client has them all. */
async function pushFanOut(sys: System, s: BenchSizes): Promise<Measure> {
  const got = new Array<number>(s.clients).fill(0);
  let resolveAll: () => void = () => {};
  const all = new Promise<void>((r) => (resolveAll = r));
  let done = 0;
  await sys.connect(s.clients, (i) => {
    got[i] = (got[i] ?? 0) + 1;
    if (got[i] === s.pushes && ++done === s.clients) resolveAll();
  });
  const m = await measure(s.clients * s.pushes, async () => {
    for (let n = 0; n < s.pushes; n++) sys.pushAll(n);
    await all;
  });
  await sys.disconnectAll();
  return m;
}

/** Scenario: open clients until all are connected (handshake done). */
async function connectMany(sys: System, s: BenchSizes): Promise<Measure> {
  const m = await measure(s.connects, () => sys.connect(s.connects, () => {}));
  await sys.disconnectAll();
  return m;
}

const SCENARIOS = [
  { name: 'request/reply round trips', unit: 'round trips/s', run: requestReply },
  { name: 'server push to every client', unit: 'deliveries/s', run: pushFanOut },
  { name: 'connections opened', unit: 'connects/s', run: connectMany },
] as const;

/** One row of the report. */
export interface BenchRow {
  readonly scenario: string;
  readonly unit: string;
  readonly sente: Measure;
  readonly socketIo: Measure;
  /** sente rate / socket.io rate: above 1 means Sente is faster. */
  readonly ratio: number;
}

/** Runs every scenario on Sente and on Socket.IO in this one process, on 127.0.0.1. */
export async function runBench(sizes: BenchSizes): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const sc of SCENARIOS) {
    const results: Measure[] = [];
    for (const make of [senteSystem, socketIoSystem]) {
      const sys = await make();
      try {
        results.push(await withDeadline(sc.run(sys, sizes), sizes.deadlineMs, `${sys.name} ${sc.name}`));
      } finally {
        await sys.close();
      }
    }
    const [sente, socketIo] = results as [Measure, Measure];
    rows.push({ scenario: sc.name, unit: sc.unit, sente, socketIo, ratio: sente.rate / socketIo.rate });
  }
  return rows;
}

/** The report as a Markdown table. */
export function formatReport(rows: readonly BenchRow[]): string {
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  const lines = [
    '| scenario | unit | Sente | Socket.IO | Sente / Socket.IO |',
    '|---|---|---:|---:|---:|',
    ...rows.map((r) => `| ${r.scenario} | ${r.unit} | ${fmt(r.sente.rate)} | ${fmt(r.socketIo.rate)} | ${r.ratio.toFixed(2)} |`),
  ];
  return lines.join('\n');
}
