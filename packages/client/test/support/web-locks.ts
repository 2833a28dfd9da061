/**
 * A stand-in for the Web Locks API (`navigator.locks`), which Node 20 lacks:
 * exclusive locks granted in request order, each held until its callback's
 * promise settles; a queued request whose signal aborts is dropped, rejecting
 * with an `AbortError`. Enough for the tab-sharing tests, which run the tabs'
 * clients in one process over Node's real `BroadcastChannel`.
 */
interface Request {
  readonly callback: (lock: { name: string }) => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal | undefined;
}

export interface WebLocksStandIn {
  request(name: string, options: { signal?: AbortSignal }, callback: (lock: { name: string }) => unknown): Promise<unknown>;
  /** True while someone holds `name`. */
  held(name: string): boolean;
}

export function createWebLocks(): WebLocksStandIn {
  const holders = new Set<string>();
  const queues = new Map<string, Request[]>();

  const grant = (name: string): void => {
    const queue = queues.get(name);
    if (holders.has(name) || queue === undefined || queue.length === 0) return;
    const r = queue.shift() as Request;
    holders.add(name);
    void Promise.resolve()
      .then(() => r.callback({ name }))
      .then(r.resolve, r.reject)
      .finally(() => {
        holders.delete(name);
        grant(name);
      });
  };

  return {
    request(name, options, callback) {
      return new Promise((resolve, reject) => {
        const { signal } = options;
        if (signal?.aborted) return reject(new DOMException('aborted', 'AbortError'));
        const r: Request = { callback, resolve, reject, signal };
        let queue = queues.get(name);
        if (queue === undefined) queues.set(name, (queue = []));
        queue.push(r);
        signal?.addEventListener('abort', () => {
          const q = queues.get(name) ?? [];
          const i = q.indexOf(r);
          if (i < 0) return;
          q.splice(i, 1);
          reject(new DOMException('aborted', 'AbortError'));
        });
        grant(name);
      });
    },
    held: (name) => holders.has(name),
  };
}
