/**
 * The counters the inspector keeps: plain numbers, bumped on the server's hot
 * paths (one addition each), read once per sample.
 */
export interface Tally {
  eventsIn: number;
  pushesOut: number;
  batchesOut: number;
  batchedEvents: number;
  handshakes: number;
  replayHits: number;
  replayMisses: number;
  /** Fallbacks to Ajax (ws→ajax) and re-upgrades (ajax→ws). */
  fallbacks: number;
  reupgrades: number;
  /** Problems reported to `onError`, by code. */
  readonly errors: Map<string, number>;
  /** WebSocket close codes, by code. */
  readonly closes: Map<string, number>;
}

/** A tally at zero. */
export function createTally(): Tally {
  return {
    eventsIn: 0,
    pushesOut: 0,
    batchesOut: 0,
    batchedEvents: 0,
    handshakes: 0,
    replayHits: 0,
    replayMisses: 0,
    fallbacks: 0,
    reupgrades: 0,
    errors: new Map(),
    closes: new Map(),
  };
}
