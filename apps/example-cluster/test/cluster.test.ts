import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createSenteClient } from '@sente/client';
import type { HandshakeInfo, SenteClient } from '@sente/client';
import { json } from '@sente/packer-json';
import { createRedisEmitter } from '@sente/redis';
import { startRedisServer } from '@sente/adapter-conformance/redis-server';
import type { RedisServer } from '@sente/adapter-conformance/redis-server';
import { startNginx } from './nginx.js';
import type { Nginx } from './nginx.js';
import type { NodeReady, NodeRequest } from './mixed-node.js';

/**
 * Three server processes (Express, fastify, uWS) share their users on a real
 * Redis, behind a real nginx that sends every request and upgrade to the next
 * process in turn (no affinity). Clients of @sente/client, on WebSocket and on
 * Ajax, get a numbered stream of pushes sent from every process and from the
 * emitter; one process is killed in the middle of it.
 */

const NODE_SCRIPT = fileURLToPath(new URL('./mixed-node.ts', import.meta.url));
/**
 * Short presence heartbeats, so that a crashed process's uids expire within
 * the test: they are gone within presenceTtlMs + heartbeatMs (@sente/redis's README).
 */
const BACKPLANE_OPTIONS = { heartbeatMs: 500, presenceTtlMs: 2_000 };
const PRESENCE_GONE_MS = BACKPLANE_OPTIONS.heartbeatMs + BACKPLANE_OPTIONS.presenceTtlMs;
const PREFIX = 'sente-test';

/** The pushes, numbered 1…PUSHES, in phases of PHASE pushes from one sender each. */
const PUSHES = 60;
const PHASE = 5;
/** The phase in whose middle one process is killed. */
const KILL_PHASE = 5;

type NodeCommand = { cmd: 'send'; uids: readonly string[]; event: readonly [string, unknown] } | { cmd: 'connectedUids' } | { cmd: 'stats' };
type Uids = Record<'ws' | 'ajax' | 'any', string[]>;

/** A server process of the test. */
class TestNode {
  private nextId = 1;
  private readonly pending = new Map<number, (v: unknown) => void>();
  readonly exited: Promise<void>;

  private constructor(
    readonly adapter: string,
    readonly proc: ChildProcess,
    readonly port: number,
  ) {
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    proc.on('message', (m: { id?: number; value?: unknown }) => {
      if (m.id === undefined) return;
      this.pending.get(m.id)?.(m.value);
      this.pending.delete(m.id);
    });
  }

  static start(adapter: string, redisUrl: string): Promise<TestNode> {
    const proc = spawn(process.execPath, ['--conditions=@sente/source', '--import', 'tsx', NODE_SCRIPT, adapter], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, REDIS_URL: redisUrl, BACKPLANE_OPTIONS: JSON.stringify(BACKPLANE_OPTIONS) },
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${adapter} node did not start`)), 30_000);
      proc.once('message', (m: NodeReady) => {
        clearTimeout(timer);
        resolve(new TestNode(adapter, proc, m.port));
      });
      proc.once('exit', (code) => reject(new Error(`${adapter} node exited (${String(code)}) before it was ready`)));
    });
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  request<T>(command: NodeCommand): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.adapter} node: no answer to ${command.cmd}`)), 10_000);
      this.pending.set(id, (v) => {
        clearTimeout(timer);
        resolve(v as T);
      });
      this.proc.send({ id, ...command } as NodeRequest);
    });
  }

  /** Kills it at once, as a crash would. */
  async crash(): Promise<void> {
    this.proc.kill('SIGKILL');
    await this.exited;
  }

  /** Stops it: it closes its server when the IPC channel goes; SIGKILL after 5 s. */
  async stop(): Promise<void> {
    if (!this.running) return;
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5_000);
    this.proc.disconnect();
    await this.exited;
    clearTimeout(timer);
  }
}

/** A client of the test and what it saw. */
interface Seen {
  readonly uid: string;
  readonly type: 'ws' | 'ajax';
  readonly client: SenteClient;
  readonly pushes: number[];
  readonly handshakes: HandshakeInfo[];
}

const CLIENTS: readonly { uid: string; type: 'ws' | 'ajax' }[] = [
  { uid: 'u1', type: 'ws' },
  { uid: 'u1', type: 'ajax' },
  { uid: 'u2', type: 'ws' },
  { uid: 'u2', type: 'ws' },
  { uid: 'u3', type: 'ajax' },
  { uid: 'u4', type: 'ws' },
  { uid: 'u4', type: 'ws' },
  { uid: 'u4', type: 'ajax' },
];
const UIDS = [...new Set(CLIENTS.map((c) => c.uid))].sort();

describe('three server processes (Express, fastify, uWS) on one Redis, behind nginx with no affinity', () => {
  let redis: RedisServer | undefined;
  let nodes: TestNode[] = [];
  let nginx: Nginx | undefined;
  let emitter: ReturnType<typeof createRedisEmitter> | undefined;
  let ghost: WebSocket | undefined;
  const seen: Seen[] = [];
  let victim: TestNode | undefined;

  async function stopEverything(): Promise<void> {
    for (const s of seen) s.client.disconnect();
    ghost?.terminate();
    await emitter?.close();
    emitter = undefined;
    await nginx?.stop();
    await Promise.all(nodes.map((n) => n.stop()));
    await redis?.stop();
  }

  beforeAll(async () => {
    redis = await startRedisServer();
    const url = redis.url;
    nodes = await Promise.all(['express', 'fastify', 'uws'].map((a) => TestNode.start(a, url)));
    nginx = await startNginx(nodes.map((n) => n.port));
    emitter = createRedisEmitter({ url, prefix: PREFIX });
  });

  afterAll(stopEverything);

  it('delivers a numbered stream, sent from every process and from the emitter, to every client once and in order, through a crash of one process', async () => {
    const origin = (nginx as Nginx).origin;
    for (const { uid, type } of CLIENTS) {
      const pushes: number[] = [];
      const handshakes: HandshakeInfo[] = [];
      const client = createSenteClient(`${origin}/chsk`, null, { type, WebSocket, packer: json, params: { uid }, onError: () => {} });
      client.on('handshake', (h) => handshakes.push(h));
      client.startRouter((msg) => {
        if (msg.id === 'test/n') pushes.push((msg.data as { n: number }).n);
      });
      seen.push({ uid, type, client, pushes, handshakes });
    }
    await expect.poll(() => seen.every((s) => s.client.state.open), { timeout: 15_000 }).toBe(true);

    // The victim: the process holding the most WebSocket clients (nginx spread them round-robin).
    const counts = await Promise.all(nodes.map((n) => n.request<{ wsClients: number }>({ cmd: 'stats' })));
    const v = counts.reduce((best, c, i) => (c.wsClients > (counts[best] as { wsClients: number }).wsClients ? i : best), 0);
    victim = nodes[v] as TestNode;
    expect(counts[v]?.wsClients).toBeGreaterThan(0);
    const survivors = nodes.filter((n) => n !== victim);

    // A client of the victim alone, that will not reconnect: its uid must expire with the victim's presence.
    ghost = new WebSocket(`ws://127.0.0.1:${victim.port}/chsk?uid=ghost&client-id=ghost-1`);
    ghost.on('error', () => {});
    await expect
      .poll(async () => (await Promise.all(nodes.map((n) => n.request<Uids>({ cmd: 'connectedUids' })))).every((u) => u.any.includes('ghost')), { timeout: 10_000 })
      .toBe(true);

    type Sender = { name: string; push: (n: number) => Promise<void> };
    const viaNode = (n: TestNode): Sender => ({ name: n.adapter, push: (k) => n.request({ cmd: 'send', uids: UIDS, event: ['test/n', { n: k }] }) });
    const viaEmitter: Sender = {
      name: 'emitter',
      push: async (k) => {
        for (const uid of UIDS) await (emitter as ReturnType<typeof createRedisEmitter>).send(uid, ['test/n', { n: k }]);
      },
    };
    const before: Sender[] = [viaNode(nodes[0] as TestNode), viaEmitter, viaNode(nodes[1] as TestNode), viaNode(nodes[2] as TestNode)];
    const after: Sender[] = [viaNode(survivors[0] as TestNode), viaEmitter, viaNode(survivors[1] as TestNode)];

    let n = 0;
    for (let phase = 1; n < PUSHES; phase++) {
      // One sender per phase; the next phase starts once this one was delivered, so the stream's order is
      // the order of its sends (order between different senders is the order their pushes reach Redis).
      const sender = phase < KILL_PHASE ? (before[(phase - 1) % before.length] as Sender) : (after[(phase - KILL_PHASE) % after.length] as Sender);
      for (let i = 0; i < PHASE; i++) {
        await sender.push(++n);
        // Mid-phase, with pushes in flight to its clients: the victim dies.
        if (phase === KILL_PHASE && i === 1) await victim.crash();
      }
      const last = n;
      await expect
        .poll(() => seen.filter((s) => !s.pushes.includes(last)).map((s) => `${s.uid}/${s.type}`), { timeout: 20_000, message: `push ${last} (${sender.name})` })
        .toEqual([]);
    }

    const all = Array.from({ length: PUSHES }, (_, i) => i + 1);
    for (const s of seen) expect(s.pushes, `${s.uid} over ${s.type}`).toEqual(all);
    // The victim's clients came back through another process, and got exactly what they missed.
    const reconnected = seen.filter((s) => s.handshakes.length > 1);
    expect(reconnected.length).toBeGreaterThan(0);
    for (const s of seen) {
      expect(s.handshakes[0]?.firstHandshake).toBe(true);
      for (const h of s.handshakes.slice(1)) expect(h.recovered, `${s.uid} over ${s.type}`).toBe(true);
    }
  });

  it("lists the connected uids right on every surviving process once the crashed process's presence expired", async () => {
    const survivors = nodes.filter((n) => n !== victim);
    const expected: Uids = {
      ws: [...new Set(CLIENTS.filter((c) => c.type === 'ws').map((c) => c.uid))].sort(),
      ajax: [...new Set(CLIENTS.filter((c) => c.type === 'ajax').map((c) => c.uid))].sort(),
      any: UIDS,
    };
    await expect
      .poll(() => Promise.all(survivors.map((n) => n.request<Uids>({ cmd: 'connectedUids' }))), { timeout: PRESENCE_GONE_MS + 5_000, interval: 250 })
      .toEqual([expected, expected]);
  });

  it('leaves nothing running', async () => {
    await stopEverything();
    for (const n of nodes) expect(n.running, n.adapter).toBe(false);
    expect(nginx?.running).toBe(false);
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(nodes.map((n) => alive(n.proc.pid as number))).toEqual([false, false, false]);
    expect(alive((nginx as Nginx).pid)).toBe(false);
    const refused = await fetch(`http://127.0.0.1:${(redis as RedisServer).port}`).then(
      () => false,
      () => true,
    );
    expect(refused).toBe(true);
  });
});
