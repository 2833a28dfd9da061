/** Options of {@link exponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /** The delay unit: attempt `n` waits up to `baseMs * 2^n`. @default 500 */
  baseMs?: number;
  /** The longest wait, whatever the attempt number. @default 30000 */
  maxMs?: number;
  /** The random source in [0, 1). @default Math.random */
  random?: () => number;
}

/**
 * Exponential backoff with full jitter and a cap, the client's default: attempt
 * `n` waits a random time in `[0, min(maxMs, baseMs * 2^n))`. Full jitter
 * spreads a crowd of clients that lost the same server over the whole window,
 * so they do not all come back at once; the cap keeps a long outage from
 * turning into minutes of waiting once the server is back.
 *
 * @example
 * ```ts
 * createSenteClient('/chsk', token, { backoffMs: exponentialBackoff({ maxMs: 10_000 }) });
 * ```
 */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): (attempt: number) => number {
  const { baseMs = 500, maxMs = 30_000, random = Math.random } = options;
  return (attempt) => {
    // 2^30 * 500 ms is already years: clamping the exponent avoids Infinity.
    const window = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt, 0), 30));
    return Math.floor(random() * window);
  };
}

/**
 * Sente's own `exp-backoff`: attempt `n` waits `(2^n + random(2^n)) * 500` ms,
 * `n` capped at 36, with no maximum (attempt 10 waits 8.5 to 17 minutes), and
 * attempt 1 at once. For apps that want Sente's exact timing.
 */
export function senteBackoff(random: () => number = Math.random): (attempt: number) => number {
  return (attempt) => {
    // Sente retries attempt 1 at once.
    if (attempt <= 1) return 0;
    const b = 2 ** Math.min(Math.max(attempt, 0), 36);
    return (b + Math.floor(random() * b)) * 500;
  };
}

/** A backoff result made safe for a timer: finite and not negative. */
export function safeDelay(ms: number, fallbackMs: number): number {
  if (Number.isNaN(ms) || ms < 0) return 0;
  return Number.isFinite(ms) ? ms : fallbackMs;
}
