/**
 * A load-generator process: opens connections to one target on 127.0.0.1 and
 * keeps requests in flight (or counts pushes) until told to stop, bounded in
 * operations and by its own lifetime. It reports its own CPU time: that is
 * the client's cost.
 */
import { argValue, serveOrchestrator } from '../ipc.js';
import type { Family } from '../targets.js';
import { now } from '../wire.js';
import { openAjaxPeer } from './ajax-peers.js';
import { Recorder } from './recorder.js';
import { openWsPeer } from './ws-peers.js';
import type { OnPush, Peer } from './ws-peers.js';

/** What to open: raw WebSocket peers, raw Ajax peers, or the library's own client. */
export interface OpenArgs {
  readonly family: Family;
  /** Ask for this library's extensions (the push log). */
  readonly ext: boolean;
  /** `client-ws` only: the bare `ws` client on this library's wire, with message ids as `@sente/client` sends them. */
  readonly bare: boolean;
  /** `ws` only: ask for the extensions and give every request a message id, as `@sente/client` does. */
  readonly ids: boolean;
  /** The target's ports: connection `i` goes to `ports[i % ports.length]` (three for a cluster target). */
  readonly ports: readonly number[];
  readonly conns: number;
  readonly via: 'ws' | 'ajax' | 'client-ws' | 'client-ajax';
  readonly inflight: number;
  readonly maxOps: number;
  /** Number the connections from here (their uids and client ids): a warm-up's are not the measured ones'. @default 0 */
  readonly first?: number;
}

/** Connections opened at once: enough to be quick, few enough not to overflow a listen backlog. */
const OPEN_CONCURRENCY = 100;

let peers: Peer[] = [];
let running = false;
let maxOps = 0;
let recorder = new Recorder();

function openOne(a: OpenArgs, n: number, onPush: OnPush): Promise<Peer> {
  const i = n + (a.first ?? 0);
  const port = a.ports[i % a.ports.length] as number;
  switch (a.via) {
    case 'ws':
      return openWsPeer(a.family, port, i, onPush, { ext: a.ext || a.ids, messageIds: a.ids });
    case 'ajax':
      return openAjaxPeer(a.family, port, i, a.inflight, onPush);
    // Imported only where used: a process that measures a server need not load the clients' code.
    case 'client-ws':
      return import('./clients.js').then((m) => m.openClient(a.family, 'ws', port, i, a.bare));
    case 'client-ajax':
      return import('./clients.js').then((m) => m.openClient(a.family, 'ajax', port, i));
  }
}

async function open(a: OpenArgs): Promise<{ opened: number; ms: number }> {
  const t0 = performance.now();
  recorder = new Recorder();
  maxOps = a.maxOps;
  const onPush: OnPush = (sentAt) => recorder.record(now() - sentAt);
  peers = new Array<Peer>(a.conns);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < a.conns) {
      const i = next++;
      peers[i] = await openOne(a, i, onPush);
    }
  };
  await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, a.conns) }, worker));
  return { opened: peers.length, ms: performance.now() - t0 };
}

/** Keeps `inflight` requests outstanding on every peer until stopped or `maxOps`. */
function start(args: { inflight: number }): void {
  running = true;
  for (const peer of peers) {
    const fire = (): void => {
      const t0 = performance.now();
      peer.request(
        () => {
          recorder.record(performance.now() - t0);
          if (running && recorder.total < maxOps) fire();
        },
        (why) => recorder.fail(why),
      );
    };
    for (let k = 0; k < args.inflight; k++) fire();
  }
}

serveOrchestrator(
  {
    open,
    start,
    mark: () => ({ ...recorder.take(), cpu: process.cpuUsage() }),
    async stop() {
      running = false;
      // Let replies in flight land before the sockets go, so the server sees clean closes.
      await new Promise((r) => setTimeout(r, 50));
      for (const p of peers) p.close();
      peers = [];
    },
  },
  Number(argValue('lifetime')),
);
