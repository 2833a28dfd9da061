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
  // The started routers, copied on start and stop (rare), never changed in place: an event
  // goes through the list as it was when it came, with no copy per event.
  #routers: readonly Entry<M>[] = [];
  readonly #onUnhandled: (error: unknown, msg: M) => void;

  constructor(onUnhandled: (error: unknown, msg: M) => void) {
    this.#onUnhandled = onUnhandled;
  }

  /** Starts a router: `handler` gets every event message until `stop()`. */
  start(handler: EventHandler<M>, options: RouterOptions<M> = {}): Router {
    const entry: Entry<M> = [handler, options, true];
    this.#routers = [...this.#routers, entry];
    return {
      stop: () => {
        if (!entry[2]) return;
        entry[2] = false;
        this.#routers = this.#routers.filter((r) => r !== entry);
      },
    };
  }

  /** Number of started routers. */
  get size(): number {
    return this.#routers.length;
  }

  /** Delivers `msg` to every router. */
  dispatch(msg: M): void {
    // The list as it is now: a router a handler starts now gets the next event, not this one;
    // one a handler stops now gets nothing more (its entry is marked stopped).
    const routers = this.#routers;
    for (let i = 0; i < routers.length; i++) {
      const r = routers[i] as Entry<M>;
      if (!r[2]) continue;
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

/** A started router: its handler, its options, and false once stopped. */
type Entry<M> = [handler: EventHandler<M>, options: RouterOptions<M>, live: boolean];
