/**
 * A server process: one target on 127.0.0.1, driven by the orchestrator. It
 * reports its own CPU time and memory; it runs nothing else, so its
 * `process.cpuUsage()` is the target's cost.
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { argValue, serveOrchestrator } from '../ipc.js';
import type { Target } from '../targets.js';
import { startServer } from './targets.js';
import type { BenchServer } from './targets.js';

let server: BenchServer | undefined;
let pushing: { timer: NodeJS.Timeout | undefined; pushes: number } | undefined;

function running(): BenchServer {
  if (server === undefined) throw new Error('no server started');
  return server;
}

const gc = (globalThis as { gc?: () => void }).gc;

/** The process's memory after GC, with the resident bytes of V8's young generation among it. */
export interface SettledMemory extends NodeJS.MemoryUsage {
  /**
   * Resident bytes of V8's young generation (new space and its large
   * objects). It holds nothing live after a full GC: what is resident is the
   * room V8 keeps for new allocations, which it grows while many objects
   * survive (a burst of connections) and gives back once allocation has
   * been slow for a while.
   */
  readonly young: number;
}

const YOUNG_SPACES = new Set(['new_space', 'new_large_object_space']);

/** Collects garbage until the heap stops shrinking (bounded), then reads memory. */
async function settledMemory(): Promise<SettledMemory> {
  if (gc === undefined) throw new Error('the server must run with --expose-gc');
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
  let young = 0;
  for (const space of getHeapSpaceStatistics()) if (YOUNG_SPACES.has(space.space_name)) young += space.physical_space_size;
  return { ...process.memoryUsage(), young };
}

/** Pushes to every connection at `rate` per second on the clock, from `offsetMs` on, until stopped or `maxPushes`. */
function startPushing(rate: number, maxPushes: number, offsetMs = 0): void {
  const state: { timer: NodeJS.Timeout | undefined; pushes: number } = { timer: undefined, pushes: 0 };
  const period = 1000 / rate;
  const t0 = performance.now() + offsetMs;
  const tick = (): void => {
    running().push();
    state.pushes++;
    if (state.pushes >= maxPushes) return;
    state.timer = setTimeout(tick, Math.max(0, t0 + state.pushes * period - performance.now()));
  };
  state.timer = setTimeout(tick, offsetMs + period);
  pushing = state;
}

serveOrchestrator(
  {
    async start(args: { target: Target; redisUrl?: string }) {
      server = await startServer(args.target, args.redisUrl);
      return { port: server.port, pid: process.pid };
    },
    cpu: () => ({ cpu: process.cpuUsage(), rss: process.memoryUsage.rss() }),
    mem: settledMemory,
    fanout(args: { rate: number; maxPushes: number; offsetMs?: number }) {
      startPushing(args.rate, args.maxPushes, args.offsetMs);
    },
    fanoutStop() {
      clearTimeout(pushing?.timer);
      const pushes = pushing?.pushes ?? 0;
      pushing = undefined;
      return { pushes };
    },
    async close() {
      clearTimeout(pushing?.timer);
      await running().close();
      server = undefined;
    },
  },
  Number(argValue('lifetime')),
);
