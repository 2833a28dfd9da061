import { CLUSTER_TARGETS, SINGLE_TARGETS } from './targets.js';
import type { Target } from './targets.js';

/**
 * What a scenario measures:
 * - `echo`: WebSocket request/reply, raw-protocol load generator;
 * - `fanout`: the server pushes to every connection at a fixed rate;
 * - `memory`: idle connections, RSS after GC;
 * - `ajax`: Ajax long-poll request/reply, raw-protocol load generator;
 * - `client`: request/reply through each library's own client, for the client's CPU;
 * - `cluster`: fan-out across three server processes on one Redis: each pushes to every connection, the
 *   connections spread over the three; Redis's CPU is read too.
 */
export type ScenarioKind = 'echo' | 'fanout' | 'memory' | 'ajax' | 'client' | 'cluster';

/** One scenario of the matrix. */
export interface Scenario {
  readonly name: string;
  readonly title: string;
  readonly kind: ScenarioKind;
  /** Requests in flight per connection (echo, ajax, client). */
  readonly inflight?: number;
  /** Pushes per second to every connection (fanout, cluster: the three processes share them). */
  readonly rate?: number;
  /** The client's transport (client). */
  readonly transport?: 'ws' | 'ajax';
  /** The targets it runs on. */
  readonly targets: readonly Target[];
}

const POLLING: readonly Target[] = ['socketio', 'socketio-uws', 'sente-express', 'sente-express-before', 'sente-uws'];
/**
 * The targets of the echo scenarios: `ajaxBeforeApp` changes nothing there, and the bare client has its own
 * (client) scenarios. They also measure the message ids `@sente/client` gives every request.
 */
const ECHO: readonly Target[] = SINGLE_TARGETS.filter((t) => t !== 'sente-express-before' && t !== 'sente-uws-bare');
/** The targets of the other WebSocket scenarios: message ids cost on requests only. */
const WEBSOCKET: readonly Target[] = ECHO.filter((t) => t !== 'sente-uws-ids');
/** The push log and the schemas cost on pushes and events, not on idle connections: measured where they work. */
const NOT_LOG: readonly Target[] = WEBSOCKET.filter((t) => t !== 'sente-express-log' && t !== 'sente-express-schema');

/** Every scenario, in the order they run (idle memory first: a fresh process is the cleanest baseline). */
export const SCENARIOS: readonly Scenario[] = [
  { name: 'memory', title: 'idle memory per connection', kind: 'memory', targets: NOT_LOG },
  { name: 'echo-10', title: 'WebSocket echo with reply, 10 in flight', kind: 'echo', inflight: 10, targets: ECHO },
  { name: 'echo-1', title: 'WebSocket echo with reply, 1 in flight', kind: 'echo', inflight: 1, targets: ECHO },
  { name: 'fanout-20', title: 'fan-out, 20 pushes/s to every connection', kind: 'fanout', rate: 20, targets: WEBSOCKET },
  { name: 'fanout-100', title: 'fan-out, 100 pushes/s to every connection', kind: 'fanout', rate: 100, targets: WEBSOCKET },
  { name: 'ajax-10', title: 'Ajax long-poll echo with reply, 10 in flight', kind: 'ajax', inflight: 10, targets: POLLING },
  { name: 'ajax-1', title: 'Ajax long-poll echo with reply, 1 in flight', kind: 'ajax', inflight: 1, targets: POLLING },
  // The clients' own cost is measured against the uWS servers, the cheapest of each kind, to leave the load generator the most CPU;
  // and the bare client on Sente's wire against Sente's server, for @sente/client's own cost on the same server.
  { name: 'client-ws-10', title: 'client CPU, WebSocket, 10 in flight', kind: 'client', transport: 'ws', inflight: 10, targets: ['uws', 'socketio-uws', 'sente-uws', 'sente-uws-bare'] },
  { name: 'client-ws-1', title: 'client CPU, WebSocket, 1 in flight', kind: 'client', transport: 'ws', inflight: 1, targets: ['uws', 'socketio-uws', 'sente-uws', 'sente-uws-bare'] },
  { name: 'client-ajax-10', title: 'client CPU, Ajax, 10 in flight', kind: 'client', transport: 'ajax', inflight: 10, targets: ['socketio-uws', 'sente-uws'] },
  { name: 'client-ajax-1', title: 'client CPU, Ajax, 1 in flight', kind: 'client', transport: 'ajax', inflight: 1, targets: ['socketio-uws', 'sente-uws'] },
  { name: 'cluster-fanout', title: 'fan-out across 3 processes on one Redis, 20 pushes/s to every connection', kind: 'cluster', rate: 20, targets: CLUSTER_TARGETS },
];

/** Reads a comma-separated scenario filter; a name matches itself or every scenario it prefixes (`echo` = `echo-10,echo-1`). */
export function parseScenarios(list: string): Scenario[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  const picked = SCENARIOS.filter((s) => names.some((n) => s.name === n || s.name.startsWith(`${n}-`)));
  for (const n of names) {
    if (!SCENARIOS.some((s) => s.name === n || s.name.startsWith(`${n}-`))) {
      throw new Error(`Unknown scenario "${n}"; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
    }
  }
  return picked;
}

/** How much work a run does. Every load loop is bounded by `maxOps` and by the scenario's time. */
export interface Sizes {
  readonly name: string;
  /** Runs of the whole matrix; the table shows each cell's median. */
  readonly runs: number;
  readonly echoConns: number;
  readonly fanoutConns: number;
  readonly memoryConns: number;
  /**
   * The memory cell's warm-up: connections opened and closed before its
   * baseline, and how long it then waits for the server to let their clients
   * go (Sente keeps a closed client's record for its grace period, 2.5 s by
   * default), so that what a server does once, on its first connections, is
   * not counted per connection.
   */
  readonly memoryWarmUp: { readonly conns: number; readonly settleMs: number };
  readonly ajaxConns: number;
  readonly clientConns: number;
  /** Load before the measured window (JIT warm-up, connections settled). */
  readonly warmupMs: number;
  /** The measured window. */
  readonly steadyMs: number;
  /** A load generator stops after this many operations even if the window is not over. */
  readonly maxOps: number;
  /** `scenario`: fresh server and load processes for every cell; `target`: one pair per target and run, for every scenario. */
  readonly processPer: 'scenario' | 'target';
}

export const FULL: Sizes = {
  name: 'full',
  runs: 3,
  echoConns: 100,
  fanoutConns: 1000,
  memoryConns: 5000,
  memoryWarmUp: { conns: 100, settleMs: 3500 },
  ajaxConns: 50,
  clientConns: 20,
  warmupMs: 1500,
  steadyMs: 4000,
  maxOps: 2_000_000,
  processPer: 'scenario',
};

export const QUICK: Sizes = {
  name: 'quick',
  runs: 1,
  echoConns: 20,
  fanoutConns: 200,
  memoryConns: 500,
  memoryWarmUp: { conns: 20, settleMs: 3500 },
  ajaxConns: 10,
  clientConns: 5,
  warmupMs: 500,
  steadyMs: 1500,
  maxOps: 500_000,
  processPer: 'target',
};

/**
 * For `--instructions`: one run (counts move a few per cent from run to run), the full
 * connection counts, and windows long enough for processes slowed some 50
 * times by callgrind: V8 has optimized the hot paths before the window, and
 * the window holds thousands of operations.
 */
export const INSTRUCTIONS: Sizes = {
  ...FULL,
  name: 'instructions',
  runs: 1,
  warmupMs: 30_000,
  steadyMs: 30_000,
};

/** The scenarios `--instructions` runs unless told otherwise: where the goals sit closest to the peers. */
export const COUNTED_SCENARIOS: readonly string[] = ['echo-1', 'fanout-20', 'client-ws-1'];

/** For the smoke test: every cell runs, nothing is worth reading. */
export const TINY: Sizes = {
  name: 'tiny',
  runs: 1,
  echoConns: 3,
  fanoutConns: 6,
  memoryConns: 20,
  memoryWarmUp: { conns: 2, settleMs: 0 },
  ajaxConns: 2,
  clientConns: 2,
  warmupMs: 100,
  steadyMs: 250,
  maxOps: 50_000,
  processPer: 'target',
};
