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
  /** Problems reported to `onError`, by code. */
  readonly errors: Map<string, number>;
}

/** A tally at zero. */
export function createTally(): Tally {
  return { eventsIn: 0, pushesOut: 0, batchesOut: 0, batchedEvents: 0, handshakes: 0, replayHits: 0, replayMisses: 0, errors: new Map() };
}
