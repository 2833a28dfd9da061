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

/** A message id as {@link ClientIds} keeps it: the number of a numbered id, the id itself otherwise. */
type IdKey = string | number;

/** Digits of the largest number a numbered id may end with: a small integer to V8, at most 999,999,999. */
const MAX_DIGITS = 9;

/**
 * Where the decimal number at the end of `id` starts (no leading zero), or
 * -1 when `id` does not end with one of at most {@link MAX_DIGITS} digits.
 */
function numberStart(id: string): number {
  let i = id.length;
  while (i > 0 && isDigit(id.charCodeAt(i - 1))) i--;
  // Leading zeros belong to the prefix: "x007" is "x00" and 7.
  while (i < id.length - 1 && id.charCodeAt(i) === 48) i++;
  return i === id.length || id.length - i > MAX_DIGITS ? -1 : i;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** The number `id` is `prefix` followed by (decimal, no leading zero, at most {@link MAX_DIGITS} digits), or -1. */
function numberAfter(id: string, prefix: string): number {
  const from = prefix.length;
  const digits = id.length - from;
  if (digits < 1 || digits > MAX_DIGITS || (digits > 1 && id.charCodeAt(from) === 48) || !id.startsWith(prefix)) return -1;
  let n = 0;
  for (let i = from; i < id.length; i++) {
    const d = id.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * The message ids of one client, oldest first, in three parallel arrays (the
 * id's key, when it came, its reply or a {@link Pending}) from index `head`
 * on: the id at position `p` is at index `p - base`. No object per id
 * outlives its reply: ids live long enough to be promoted, and so cost the
 * collector per object.
 *
 * Clients number their ids: a prefix of their own, then a counter
 * (`@sente/client` sends a random prefix ending with `-` and its send's number). The first
 * numbered id sets the client's prefix (a prefix that ends in digits only
 * makes the numbers jump at each power of ten). An id of that prefix is kept
 * by its number, and a *run* of consecutive numbers at consecutive positions
 * is found by arithmetic, with no map and no string kept. Every other id
 * (another shape, a number out of the run) has its position in `positions`.
 * A client that sends `<prefix><n>` in order thus costs a few array writes
 * per event.
 */
class ClientIds {
  /** The position of each id kept that is not in the run. */
  readonly positions = new Map<IdKey, number>();
  keys: IdKey[] = [];
  at: number[] = [];
  values: unknown[] = [];
  head = 0;
  base = 0;
  /** The prefix of this client's numbered ids, once one came. */
  private prefix: string | undefined = undefined;
  /** The run: `runLength` numbers from `runFirst`, at positions from `runAt`. */
  private runFirst = 0;
  private runAt = 0;
  private runLength = 0;
  /** The position up to which replies were released (see {@link release}). */
  private released = 0;

  /** Ids kept. */
  get size(): number {
    return this.positions.size + this.runLength;
  }

  /** How `id` is kept: by its number when it is numbered with this client's prefix. */
  keyOf(id: string): IdKey {
    let prefix = this.prefix;
    if (prefix === undefined || this.size === 0) {
      const start = numberStart(id);
      if (start < 0) return id;
      prefix = this.prefix = id.slice(0, start);
    }
    const n = numberAfter(id, prefix);
    return n < 0 ? id : n;
  }

  /** The reply remembered for `key`, a {@link Pending}, or `NOT_SEEN`. */
  get(key: IdKey): unknown {
    const i = typeof key === 'number' ? key - this.runFirst : -1;
    // A new id comes just past the run: with nothing out of the run, no map to look in.
    const p = i >= 0 && i < this.runLength ? this.runAt + i : this.positions.size === 0 ? undefined : this.positions.get(key);
    return p === undefined ? NOT_SEEN : this.values[p - this.base];
  }

  /** Remembers `key` (not kept yet) with `value`; its position. */
  add(key: IdKey, at: number, value: unknown, maxIds: number): number {
    const p = this.base + this.keys.length;
    if (typeof key !== 'number') this.positions.set(key, p);
    else if (this.runLength > 0 && key === this.runFirst + this.runLength && p === this.runAt + this.runLength) this.runLength++;
    else {
      // Out of the run: the run so far goes into the map, and a new one starts here.
      for (let i = 0; i < this.runLength; i++) this.positions.set(this.runFirst + i, this.runAt + i);
      this.runFirst = key;
      this.runAt = p;
      this.runLength = 1;
    }
    this.keys.push(key);
    this.at.push(at);
    this.values.push(value);
    if (this.size > maxIds) this.dropOldest();
    return p;
  }

  /** Records the reply of the id at position `p`, unless it was forgotten since. */
  settle(p: number, pending: Pending, value: unknown): void {
    const i = p - this.base;
    if (i >= this.head && this.values[i] === pending) this.values[i] = value;
  }

  /**
   * The client got the replies of its numbered ids before `id` (of its
   * prefix): they are let go, oldest first, up to the first id that is not
   * one of those, or still waits for its reply; the ids stay.
   */
  release(id: string): void {
    const prefix = this.prefix;
    const below = prefix === undefined ? -1 : numberAfter(id, prefix);
    if (below < 0) return;
    let i = Math.max(this.released - this.base, this.head);
    for (; i < this.keys.length; i++) {
      const key = this.keys[i];
      if (typeof key !== 'number' || key >= below || this.values[i] instanceof Pending) break;
      this.values[i] = RELEASED;
    }
    this.released = this.base + i;
  }

  /** Forgets what came before `oldest`; `true` when nothing is left. */
  expire(oldest: number): boolean {
    while (this.head < this.keys.length && (this.at[this.head] as number) < oldest) this.dropOldest();
    return this.size === 0;
  }

  private dropOldest(): void {
    const h = this.head++;
    if (this.runLength > 0 && this.base + h === this.runAt) {
      this.runFirst++;
      this.runAt++;
      this.runLength--;
    } else this.positions.delete(this.keys[h] as IdKey);
    this.values[h] = undefined;
    // Compacted once the dropped part is the larger: amortised O(1) per id.
    if (this.head >= 32 && this.head * 2 >= this.keys.length) {
      this.keys = this.keys.slice(this.head);
      this.at = this.at.slice(this.head);
      this.values = this.values.slice(this.head);
      this.base += this.head;
      this.head = 0;
    }
  }
}

const NOT_SEEN: unique symbol = Symbol('not seen');

/** What an id keeps once its reply was released: the client has that reply. */
const RELEASED: unique symbol = Symbol('released');

/**
 * Idempotent retries: a client of the extensions gives each event a message
 * id, the same on every retry after a lost connection. The first send is
 * handled; a retry is not handled again — it gets the first send's reply,
 * at once if there is one, or when the handler gives it.
 *
 * Ids are kept per uid, then per client id (no key string built per event),
 * at most `maxIds` per client and for `ttlMs`; their replies as long, or
 * until the client says it got them (`a` in an event's extensions, to a
 * server whose handshake said `acks`): a client that does lets each reply
 * go within a few round trips instead of holding up to `maxIds` of them.
 */
export class Dedupe {
  private readonly uids = new Map<string, Map<string, ClientIds>>();
  private lastSweep: number;
  private count = 0;

  constructor(
    private readonly now: () => number,
    private readonly limits: DedupeLimits,
  ) {
    this.lastSweep = now();
  }

  /** Message ids remembered, all clients together. */
  get size(): number {
    return this.count;
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
    const ids = known ?? this.newClient(uid, clientId);
    const key = ids.keyOf(messageId);
    const prior = known === undefined ? NOT_SEEN : ids.get(key);
    if (prior !== NOT_SEEN) {
      // A duplicate of an id whose reply the client said it got is not handled, nor answered again.
      if (reply === undefined || prior === RELEASED) return undefined;
      if (prior instanceof Pending) (prior.waiters ??= []).push(reply);
      else reply(prior);
      return undefined;
    }
    const pending = reply === undefined ? undefined : new Pending();
    const before = ids.size;
    const p = ids.add(key, now, pending, this.limits.maxIds);
    this.count += ids.size - before;
    if (reply === undefined || pending === undefined) return null;
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

  /** `uid`'s client `clientId` got the replies of its ids before `id`: they are forgotten (see {@link ClientIds.release}). */
  release(uid: string, clientId: string, id: string): void {
    this.uids.get(uid)?.get(clientId)?.release(id);
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
    this.count = 0;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    const oldest = now - this.limits.ttlMs;
    for (const [uid, clients] of this.uids) {
      for (const [clientId, ids] of clients) {
        const before = ids.size;
        const empty = ids.expire(oldest);
        this.count += ids.size - before;
        if (empty) clients.delete(clientId);
      }
      if (clients.size === 0) this.uids.delete(uid);
    }
  }
}
