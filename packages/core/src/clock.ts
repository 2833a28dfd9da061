/** An opaque timer handle. */
export type TimerHandle = unknown;

/**
 * The time source and timers of a state machine. Injected, so that every
 * protocol rule can be tested with fake time.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer; a no-op for a fired or cancelled one. */
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The real clock. Timers are unref'd: they never keep a Node process alive on
 * their own. Globals are looked up at call time, so test fakes installed later
 * still apply.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = globalThis.setTimeout(fn, ms) as unknown as { unref?: () => void };
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => {
    globalThis.clearTimeout(h as Parameters<typeof globalThis.clearTimeout>[0]);
  },
};

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A random id of `length` characters from `[a-z0-9]`, drawn from `random`. */
export function randomId(length: number, random: () => number = Math.random): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[Math.floor(random() * ALPHABET.length)];
  return s;
}
