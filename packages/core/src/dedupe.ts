/** A reply function, as handlers get it. */
type Reply = (value: unknown) => boolean;

interface Seen {
  readonly at: number;
  done: boolean;
  value: unknown;
  /** Reply functions of the first send and of its retries, waiting for the handler. */
  waiters: Reply[];
}

/** Bounds of {@link Dedupe}. */
export interface DedupeLimits {
  /** Message ids remembered per client. */
  readonly maxIds: number;
  /** How long a message id is remembered. */
  readonly ttlMs: number;
}

/**
 * Idempotent retries: a client of the extensions gives each event a message
 * id, the same on every retry after a lost connection. The first send is
 * handled; a retry is not handled again — it gets the first send's reply,
 * at once if there is one, or when the handler gives it.
 */
export class Dedupe {
  private readonly clients = new Map<string, Map<string, Seen>>();
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
    for (const m of this.clients.values()) n += m.size;
    return n;
  }

  /**
   * Admits a message: for its first send, the reply function the handler
   * gets (`null` when no reply was asked); for a retry, `undefined`: do not
   * handle it again.
   */
  admit(uid: string, clientId: string, messageId: string, reply: Reply | undefined): Reply | null | undefined {
    this.sweep();
    const key = `${uid}\n${clientId}`;
    let seen = this.clients.get(key);
    const prior = seen?.get(messageId);
    if (prior !== undefined) {
      if (reply !== undefined) {
        if (prior.done) reply(prior.value);
        else prior.waiters.push(reply);
      }
      return undefined;
    }
    if (seen === undefined) this.clients.set(key, (seen = new Map()));
    const entry: Seen = { at: this.now(), done: reply === undefined, value: undefined, waiters: reply === undefined ? [] : [reply] };
    seen.set(messageId, entry);
    // Oldest first (a Map keeps insertion order): past the bound, the oldest id is forgotten.
    if (seen.size > this.limits.maxIds) seen.delete(seen.keys().next().value as string);
    if (reply === undefined) return null;
    return (value) => {
      if (entry.done) return false;
      entry.done = true;
      entry.value = value;
      let sent = false;
      for (const w of entry.waiters.splice(0)) sent = w(value) || sent;
      return sent;
    };
  }

  /** Forgets everything. */
  clear(): void {
    this.clients.clear();
  }

  private sweep(): void {
    const now = this.now();
    if (now - this.lastSweep < this.limits.ttlMs / 4) return;
    this.lastSweep = now;
    const oldest = now - this.limits.ttlMs;
    for (const [key, seen] of this.clients) {
      for (const [id, e] of seen) {
        if (e.at >= oldest) break;
        seen.delete(id);
      }
      if (seen.size === 0) this.clients.delete(key);
    }
  }
}
