/**
 * What goes over the wire in every scenario, the same for every target: a
 * ~100-byte JSON event. Raw servers speak Sente's JSON envelope too
 * (`[[id data] cbId]` in, `[data cbId]` out), so a raw baseline parses and
 * writes the same bytes a Sente server does, and nothing more.
 */

export const ECHO_ID = 'bench/echo';
export const PUSH_ID = 'bench/push';

/** The echoed data: with its id, the event is ~100 bytes of JSON. */
export const ECHO_DATA = { n: 1, text: 'x'.repeat(72) } as const;
export const ECHO_DATA_JSON = JSON.stringify(ECHO_DATA);

/** A pushed event's data: when it was sent, on the clock every process on this host shares. */
export interface PushData {
  /** Sent at, ms since the epoch with sub-ms precision. */
  readonly t: number;
  readonly text: string;
}

const PUSH_PAD = 'x'.repeat(60);

/** A wall-clock time with sub-millisecond precision, comparable across the processes of one host. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export function pushData(): PushData {
  return { t: now(), text: PUSH_PAD };
}
