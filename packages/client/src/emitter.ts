/**
 * A synchronous, in-order listener registry. An emit from inside a listener is
 * queued and delivered after the current one has reached every listener, so
 * every listener sees every emit in the same order (a state listener that calls
 * `disconnect()` must not make others see the close before the open).
 */
export interface Emitter<M> {
  /** Adds a listener; returns its remover. */
  on<K extends keyof M>(kind: K, fn: (payload: M[K]) => void): () => void;
  /** Delivers `payload` to the listeners of `kind`. */
  emit<K extends keyof M>(kind: K, payload: M[K]): void;
}

/** Creates an {@link Emitter}; `onError` gets what a listener throws. */
export function createEmitter<M>(onError: (error: unknown) => void): Emitter<M> {
  const listeners: { [K in keyof M]?: Set<(payload: M[K]) => void> } = {};
  const queue: Array<[keyof M, unknown]> = [];
  let emitting = false;

  return {
    on(kind, fn) {
      const set = (listeners[kind] ??= new Set());
      set.add(fn);
      return () => {
        set.delete(fn);
      };
    },
    emit(kind, payload) {
      queue.push([kind, payload]);
      if (emitting) return;
      emitting = true;
      try {
        // The queue grows while a listener emits: each emit reaches every listener before the next.
        for (let i = 0; i < queue.length; i++) {
          const [k, p] = queue[i] as [keyof M, unknown];
          for (const fn of listeners[k] ?? []) {
            try {
              (fn as (p: unknown) => void)(p);
            } catch (error) {
              onError(error);
            }
          }
        }
      } finally {
        queue.length = 0;
        emitting = false;
      }
    },
  };
}
