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
  const listeners = new Map<keyof M, Set<(payload: never) => void>>();
  const queue: Array<[keyof M, unknown]> = [];
  let emitting = false;

  const deliver = (kind: keyof M, payload: unknown): void => {
    const set = listeners.get(kind);
    if (set === undefined) return;
    for (const fn of set) {
      try {
        (fn as (p: unknown) => void)(payload);
      } catch (error) {
        onError(error);
      }
    }
  };

  return {
    on(kind, fn) {
      let set = listeners.get(kind);
      if (set === undefined) listeners.set(kind, (set = new Set()));
      const entry = fn as (payload: never) => void;
      set.add(entry);
      return () => {
        set.delete(entry);
      };
    },
    emit(kind, payload) {
      if (emitting) {
        queue.push([kind, payload]);
        return;
      }
      emitting = true;
      try {
        deliver(kind, payload);
        for (let i = 0; i < queue.length; i++) {
          const item = queue[i] as [keyof M, unknown];
          deliver(item[0], item[1]);
        }
      } finally {
        queue.length = 0;
        emitting = false;
      }
    },
  };
}
