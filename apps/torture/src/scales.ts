import { ADAPTERS, PACKER_NAMES } from './server/adapters.js';
import type { ServerSpec } from './server/protocol.js';
import type { CrewOptions } from './good/good-crew.js';

/** How big a run is: `full` for the published figures, `ci` for the bounded run in the test suite. */
export interface Scale {
  readonly name: 'full' | 'ci';
  readonly hostile: { casesPerServer: number; decoderCasesPerPacker: number; slowloris: number; slowlorisBoundMs: number; concurrency: number; answerDeadlineMs: number; isolatedCases: number };
  readonly faults: { kills: number; cuts: number; outagePushes: number; slowCount: number; slowBytes: number; concurrency: number };
  readonly soak: { clients: number; durationMs: number; maxCycles: number };
  readonly crew: CrewOptions;
}

export const FULL: Scale = {
  name: 'full',
  hostile: { casesPerServer: 5200, decoderCasesPerPacker: 15_000, slowloris: 8, slowlorisBoundMs: 3000, concurrency: 2, answerDeadlineMs: 2000, isolatedCases: 10 },
  faults: { kills: 200, cuts: 10, outagePushes: 100, slowCount: 200, slowBytes: 100_000, concurrency: 2 },
  soak: { clients: 100, durationMs: 150_000, maxCycles: 1_000_000 },
  crew: { ws: 1, ajax: 1, real: 1, realAjax: 1, requestGapMs: 50, pushIntervalMs: 50, maxRequests: 100_000 },
};

export const CI: Scale = {
  name: 'ci',
  hostile: { casesPerServer: 55, decoderCasesPerPacker: 600, slowloris: 1, slowlorisBoundMs: 300, concurrency: 5, answerDeadlineMs: 1500, isolatedCases: 1 },
  // 8 MB to a slow consumer: more than the kernel's socket buffers take on loopback (about 4 MB), so that the
  // server's bounds are reached and the close with 1013 is exercised.
  faults: { kills: 12, cuts: 2, outagePushes: 10, slowCount: 80, slowBytes: 100_000, concurrency: 5 },
  soak: { clients: 20, durationMs: 8_000, maxCycles: 5_000 },
  // The real WebSocket client runs in the soak; here the raw clients see every frame, and a
  // real Ajax client (the extensions: positions and replay) is judged by this library's contract.
  crew: { ws: 1, ajax: 1, real: 0, realAjax: 1, requestGapMs: 20, pushIntervalMs: 50, maxRequests: 10_000 },
};

/** Every adapter with every packer. */
export function allServers(): ServerSpec[] {
  return ADAPTERS.flatMap((adapter) => PACKER_NAMES.map((packer) => ({ key: `${adapter}/${packer}`, adapter, packer })));
}

/** The soak's servers: the reference adapter and uWS, with a text and a binary packer. */
export function soakServers(): ServerSpec[] {
  return [
    { key: 'express/json', adapter: 'express', packer: 'json' },
    { key: 'uws/msgpack', adapter: 'uws', packer: 'msgpack' },
  ];
}
