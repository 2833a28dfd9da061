import { randomId } from './clock.js';
import { Ring } from './ring.js';
import type { WireEvent } from './event.js';

/**
 * A place in a uid's push log: the log's incarnation (`epoch`, new whenever
 * the log was lost) and the offset of its last entry (0 before the first).
 */
export interface LogPosition {
  readonly epoch: string;
  readonly offset: number;
}

/** One push in the log. `clientId` is set for a push to one client. */
export interface LogEntry {
  readonly offset: number;
  readonly event: WireEvent;
  readonly clientId: string | undefined;
}

/** What a client missed since its position. */
export interface Recovery {
  /** True when `entries` are exactly the pushes for this client after its position. */
  readonly recovered: boolean;
  /** The entries for the client after its position, in order (empty when not recovered). */
  readonly entries: readonly LogEntry[];
  /** The log's position now. */
  readonly top: LogPosition;
}

/**
 * Every push to a uid, with positions, kept for a window, so that a client
 * that comes back gets exactly what it missed (delivery.md). The default is
 * in memory ({@link MemoryPushLog}); a backplane provides one shared by its processes.
 */
export interface PushLog {
  /** The position of `uid`'s log, starting it when it has none. */
  open(uid: string): LogPosition;
  /** Appends a push of `bytes` (estimated) to `uid`'s log, if it has one; gives the entry's offset. */
  append(uid: string, event: WireEvent, clientId: string | undefined, bytes: number): number | undefined;
  /** The entries of `uid` after `since` that are for the client `clientId`. */
  recover(uid: string, since: LogPosition, clientId: string): Recovery;
  /** The uids that have a log. */
  uids(): Iterable<string>;
  /** The epoch of `uid`'s log, if it has one. */
  epochOf(uid: string): string | undefined;
  /** Entries held, all uids together. */
  readonly size: number;
  /** Forgets everything. */
  close(): void;
}

/** Bounds of the in-memory log. */
export interface PushLogLimits {
  /** Entries kept per uid. @default 1000 */
  readonly maxEntries: number;
  /** Bytes of events kept per uid (estimated as their JSON length). @default 1048576 */
  readonly maxBytes: number;
  /** How long an entry is kept. @default 120000 (2 minutes) */
  readonly maxAgeMs: number;
  /**
   * How long a uid's position (epoch and offset) outlives its last entry and
   * its last client, so that a quiet client still recovers. @default 600000
   */
  readonly positionTtlMs: number;
}

/**
 * A push as a log keeps it. Its offset is its place: a uid's offsets have no
 * gap, so the entry `i` places from the head of a log of `n` entries is at
 * `top - n + 1 + i`. Without an offset of its own, one entry serves every uid
 * of a broadcast.
 */
interface Stored {
  readonly event: WireEvent;
  readonly clientId: string | undefined;
  readonly at: number;
  readonly bytes: number;
}

interface UidLog {
  readonly epoch: string;
  top: number;
  readonly entries: Ring<Stored>;
  bytes: number;
  /** When the log was last opened or recovered from. */
  lastUsed: number;
}

/**
 * The in-memory {@link PushLog}: per uid, a bounded array of entries (by
 * count, bytes and age) and its position. Lost when the process ends: a
 * client that comes back to a restarted process gets `recovered: false`.
 * The uids of a broadcast share its entry: a uid's log holds a reference to
 * it, not a copy.
 */
export class MemoryPushLog implements PushLog {
  private readonly logs = new Map<string, UidLog>();
  private held = 0;
  /** The last entry for every client of a uid: the next uid's, when it is the same push (a broadcast) in the same millisecond. */
  private shared: Stored | undefined;
  // Swept as it is used, not on a timer: an idle server holds no timer for its logs.
  private lastSweep: number;

  constructor(
    private readonly now: () => number,
    private readonly limits: PushLogLimits,
    /** True while `uid` has clients: its log stays however quiet. */
    private readonly live: (uid: string) => boolean,
    private readonly random: () => number = Math.random,
  ) {
    this.lastSweep = now();
  }

  get size(): number {
    return this.held;
  }

  open(uid: string): LogPosition {
    this.maybeSweep();
    let log = this.logs.get(uid);
    if (log === undefined) {
      log = { epoch: randomId(8, this.random), top: 0, entries: new Ring(), bytes: 0, lastUsed: this.now() };
      this.logs.set(uid, log);
    }
    log.lastUsed = this.now();
    return { epoch: log.epoch, offset: log.top };
  }

  append(uid: string, event: WireEvent, clientId: string | undefined, bytes: number): number | undefined {
    // One reading of the clock per push: the sweep's and the entry's.
    const at = this.now();
    this.maybeSweep(at);
    const log = this.logs.get(uid);
    if (log === undefined) return undefined;
    const offset = ++log.top;
    let e = this.shared;
    if (e === undefined || e.event !== event || e.at !== at || e.bytes !== bytes || clientId !== undefined) {
      e = { event, clientId, at, bytes };
      this.shared = clientId === undefined ? e : undefined;
    }
    log.entries.push(e);
    log.bytes += bytes;
    this.held++;
    const { maxEntries, maxBytes } = this.limits;
    while (log.entries.length > maxEntries || (log.bytes > maxBytes && log.entries.length > 1)) this.dropOldest(log);
    return offset;
  }

  recover(uid: string, since: LogPosition, clientId: string): Recovery {
    const top = this.open(uid);
    const log = this.logs.get(uid) as UidLog;
    this.expire(log);
    const first = log.top - log.entries.length + 1;
    // Recovered only when every entry after the client's offset is still here (Centrifuge's rule):
    // same epoch, an offset the log has reached, and nothing after it trimmed away.
    const recovered = since.epoch === log.epoch && since.offset <= log.top && since.offset >= first - 1;
    if (!recovered) return { recovered: false, entries: [], top };
    const entries: LogEntry[] = [];
    for (let i = Math.max(0, since.offset - first + 1); i < log.entries.length; i++) {
      const e = log.entries.at(i) as Stored;
      if (e.clientId === undefined || e.clientId === clientId) entries.push({ offset: first + i, event: e.event, clientId: e.clientId });
    }
    return { recovered: true, entries, top };
  }

  uids(): IterableIterator<string> {
    // The Map's own iterator: a generator around it costs a resumption per uid, at every broadcast.
    return this.logs.keys();
  }

  epochOf(uid: string): string | undefined {
    // No client of the extensions, no log (the common case of a Sente app's pushes): nothing to look up.
    if (this.logs.size === 0) return undefined;
    return this.logs.get(uid)?.epoch;
  }

  close(): void {
    this.logs.clear();
    this.held = 0;
    this.shared = undefined;
  }

  /** Drops expired entries, and the logs of uids long gone, at most every quarter of the shorter window. */
  private maybeSweep(now = this.now()): void {
    if (now - this.lastSweep < Math.min(this.limits.maxAgeMs, this.limits.positionTtlMs) / 4) return;
    this.lastSweep = now;
    for (const [uid, log] of this.logs) {
      this.expire(log);
      if (log.entries.length === 0 && !this.live(uid) && now - log.lastUsed >= this.limits.positionTtlMs) this.logs.delete(uid);
    }
  }

  private expire(log: UidLog): void {
    const oldest = this.now() - this.limits.maxAgeMs;
    while ((log.entries.at(0)?.at ?? Infinity) < oldest) this.dropOldest(log);
  }

  private dropOldest(log: UidLog): void {
    const e = log.entries.shift();
    if (e === undefined) return;
    log.bytes -= e.bytes;
    this.held--;
  }
}

/** The bytes an event takes, roughly: its JSON length (keywords as their names). */
export function estimateBytes(event: WireEvent): number {
  try {
    return JSON.stringify(event)?.length ?? 16;
  } catch {
    return 1024;
  }
}
