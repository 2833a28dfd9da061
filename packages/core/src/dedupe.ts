/** A reply function, as handlers get it. */
type Reply = (value: unknown) => boolean;

/** What a message id holds while its handler has not replied: the reply functions of retries that came meanwhile. */
class Pending {
  waiters: Reply[] | undefined = undefined;
}

/** Bounds of {@link Dedupe}. */
export interface DedupeLimits {
  /** Message ids remembered per client. */
  readonly maxIds: number;
  /** How long a message id is remembered. */
  readonly ttlMs: number;
}

/**
 * The message ids of one client, oldest first, in three parallel arrays (the
 * id, when it came, its reply or a {@link Pending}) from index `head` on, and
 * a map from id to position (`base` + index). No object per id outlives its
 * reply: ids live long enough to be promoted, and so cost the collector per
 * object. Nor is the map its own queue: a `Map`'s oldest key is found by a
 * walk over the holes its deletes left.
 */
class ClientIds {
  readonly positions = new Map<string, number>();
  ids: string[] = [];
  at: number[] = [];
  values: unknown[] = [];
  head = 0;
  base = 0;

  /** The reply remembered for `id`, a {@link Pending}, or `NOT_SEEN`. */
  get(id: string): unknown {
    const p = this.positions.get(id);
    return p === undefined ? NOT_SEEN : this.values[p - this.base];
  }

  /** Remembers `id` with `value`; its position. */
  add(id: string, at: number, value: unknown, maxIds: number): number {
    const p = this.base + this.ids.length;
    this.positions.set(id, p);
    this.ids.push(id);
    this.at.push(at);
    this.values.push(value);
    if (this.positions.size > maxIds) this.dropOldest();
    return p;
  }

  /** Records the reply of the id at position `p`, unless it was forgotten since. */
  settle(p: number, pending: Pending, value: unknown): void {
    const i = p - this.base;
    if (i >= this.head && this.values[i] === pending) this.values[i] = value;
  }

  /** Forgets what came before `oldest`; `true` when nothing is left. */
  expire(oldest: number): boolean {
    while (this.head < this.ids.length && (this.at[this.head] as number) < oldest) this.dropOldest();
    return this.positions.size === 0;
  }

  private dropOldest(): void {
    const h = this.head++;
    this.positions.delete(this.ids[h] as string);
    this.values[h] = undefined;
    // Compacted once the dropped part is the larger: amortised O(1) per id.
    if (this.head >= 32 && this.head * 2 >= this.ids.length) {
      this.ids = this.ids.slice(this.head);
      this.at = this.at.slice(this.head);
      this.values = this.values.slice(this.head);
      this.base += this.head;
      this.head = 0;
    }
  }
}

const NOT_SEEN: unique symbol = Symbol('not seen');

/**
 * Idempotent retries: a client of the extensions gives each event a message
 * id, the same on every retry after a lost connection. The first send is
 * handled; a retry is not handled again — it gets the first send's reply,
 * at once if there is one, or when the handler gives it.
 *
 * Ids are kept per uid, then per client id (no key string built per event),
 * at most `maxIds` per client and for `ttlMs`.
 */
export class Dedupe {
  private readonly uids = new Map<string, Map<string, ClientIds>>();
  private lastSweep: number;

  constructor(
    private readonly now: () => number,
    private readonly limits: DedupeLimits,
  ) {
    this.lastSweep = now();
  }

  /** Message ids remembered, all clients together. */
  get size(): number {
    let n = 0;
    for (const clients of this.uids.values()) for (const c of clients.values()) n += c.positions.size;
    return n;
  }

  /**
   * Admits a message: for its first send, the reply function the handler
   * gets (`null` when no reply was asked); for a retry, `undefined`: do not
   * handle it again.
   */
  admit(uid: string, clientId: string, messageId: string, reply: Reply | undefined): Reply | null | undefined {
    const now = this.now();
    if (now - this.lastSweep >= this.limits.ttlMs / 4) this.sweep(now);
    const known = this.uids.get(uid)?.get(clientId);
    const prior = known === undefined ? NOT_SEEN : known.get(messageId);
    if (prior !== NOT_SEEN) {
      if (reply === undefined) return undefined;
      if (prior instanceof Pending) (prior.waiters ??= []).push(reply);
      else reply(prior);
      return undefined;
    }
    const ids = known ?? this.newClient(uid, clientId);
    if (reply === undefined) {
      ids.add(messageId, now, undefined, this.limits.maxIds);
      return null;
    }
    const pending = new Pending();
    const p = ids.add(messageId, now, pending, this.limits.maxIds);
    let replied = false;
    return (value) => {
      if (replied) return false;
      replied = true;
      ids.settle(p, pending, value);
      let sent = reply(value);
      const waiters = pending.waiters;
      pending.waiters = undefined;
      if (waiters !== undefined) for (const w of waiters) sent = w(value) || sent;
      return sent;
    };
  }

  /** The ids of a client not seen yet, empty. */
  private newClient(uid: string, clientId: string): ClientIds {
    let clients = this.uids.get(uid);
    if (clients === undefined) this.uids.set(uid, (clients = new Map()));
    const ids = new ClientIds();
    clients.set(clientId, ids);
    return ids;
  }

  /** Forgets everything. */
  clear(): void {
    this.uids.clear();
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    const oldest = now - this.limits.ttlMs;
    for (const [uid, clients] of this.uids) {
      for (const [clientId, ids] of clients) if (ids.expire(oldest)) clients.delete(clientId);
      if (clients.size === 0) this.uids.delete(uid);
    }
  }
}
