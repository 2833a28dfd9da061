/** A handler of event messages; a returned promise's rejection counts as a handler error. */
export type EventHandler<M> = (msg: M) => unknown;

/** Options of a router. */
export interface RouterOptions<M> {
  /**
   * Called with every error a handler throws or rejects with. Without one,
   * errors go to the owner's error reporter. A router never dies of a handler error.
   * @default undefined
   */
  errorHandler?: ((error: unknown, msg: M) => void) | undefined;
}

/** A started router. */
export interface Router {
  /** Stops delivering events to this router's handler. Idempotent. */
  stop(): void;
}

/**
 * The routers of a server or client (the one implementation both use): every
 * event message goes to each started router's handler, and no handler error
 * escapes.
 */
export class Routers<M> {
  // Private names and a tuple: a minified bundle renames them (it keeps property names).
  readonly #routers = new Set<readonly [handler: EventHandler<M>, options: RouterOptions<M>]>();
  readonly #onUnhandled: (error: unknown, msg: M) => void;

  constructor(onUnhandled: (error: unknown, msg: M) => void) {
    this.#onUnhandled = onUnhandled;
  }

  /** Starts a router: `handler` gets every event message until `stop()`. */
  start(handler: EventHandler<M>, options: RouterOptions<M> = {}): Router {
    const entry = [handler, options] as const;
    this.#routers.add(entry);
    return { stop: () => void this.#routers.delete(entry) };
  }

  /** Number of started routers. */
  get size(): number {
    return this.#routers.size;
  }

  /** Delivers `msg` to every router. */
  dispatch(msg: M): void {
    // A snapshot: a router a handler starts now gets the next event, not this one;
    // one a handler stops now gets nothing more.
    for (const r of [...this.#routers]) {
      if (!this.#routers.has(r)) continue;
      try {
        const p = r[0](msg);
        if (p !== null && typeof p === 'object' && typeof (p as PromiseLike<unknown>).then === 'function') {
          (p as PromiseLike<unknown>).then(undefined, (e: unknown) => this.#fail(r[1], e, msg));
        }
      } catch (e) {
        this.#fail(r[1], e, msg);
      }
    }
  }

  #fail(options: RouterOptions<M>, error: unknown, msg: M): void {
    if (!options.errorHandler) return this.#onUnhandled(error, msg);
    try {
      options.errorHandler(error, msg);
    } catch (e) {
      this.#onUnhandled(e, msg);
    }
  }
}
