/** How long a test waits for a condition before it fails. */
export const DEFAULT_DEADLINE_MS = 4000;

/**
 * Resolves once `condition` returns a truthy value (and gives that value),
 * checking every few milliseconds; rejects with `what` when `deadlineMs` passes
 * first. Tests wait on conditions, never on fixed sleeps.
 */
export async function until<T>(condition: () => T, what: string, deadlineMs = DEFAULT_DEADLINE_MS): Promise<NonNullable<T>> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = condition();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`Timed out after ${deadlineMs} ms waiting for ${what}`);
    await delay(5);
  }
}

/** A promise that settles like `p`, or rejects with `what` after `deadlineMs`. */
export function within<T>(p: Promise<T>, what: string, deadlineMs = DEFAULT_DEADLINE_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Timed out after ${deadlineMs} ms waiting for ${what}`)), deadlineMs);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** Resolves after `ms`: for spacing sends apart, never as a stand-in for a condition. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves on the next turn of the event loop, once pending I/O had its chance. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
