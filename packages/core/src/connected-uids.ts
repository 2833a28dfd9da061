/**
 * Which uids have at least one connected client, by transport. A live,
 * read-only view: it changes as clients come and go (copy a set to keep it).
 */
export interface ConnectedUids {
  readonly ws: ReadonlySet<string>;
  readonly ajax: ReadonlySet<string>;
  readonly any: ReadonlySet<string>;
}

/** One change of the connected uids. */
export interface ConnectedUidsChange {
  readonly uid: string;
  readonly transport: 'ws' | 'ajax';
  /** True when the uid joined `transport`'s set, false when it left it. */
  readonly connected: boolean;
  /** True when the uid also joined or left `any` (a uidport-open or -close). */
  readonly any: boolean;
}

/** Called after each change of the connected uids. */
export type ConnectedUidsListener = (uids: ConnectedUids, change: ConnectedUidsChange) => void;

type Transport = 'ws' | 'ajax';

/**
 * The connected-uids view, counted per uid and transport, so a second tab or
 * a second transport of the same user changes nothing (Sente's per-uid
 * counting, #33). Changes cost O(1); nothing is copied.
 */
export class ConnectedUidsStore {
  private readonly counts = { ws: new Map<string, number>(), ajax: new Map<string, number>() };
  private readonly sets = { ws: new Set<string>(), ajax: new Set<string>(), any: new Set<string>() };
  readonly view: ConnectedUids = this.sets;
  private readonly listeners = new Set<ConnectedUidsListener>();

  constructor(private readonly onListenerError: (e: unknown) => void) {}

  /** Adds one client of `uid` on `transport`; true when the uid was not connected at all before. */
  add(transport: Transport, uid: string): boolean {
    const n = this.counts[transport].get(uid) ?? 0;
    this.counts[transport].set(uid, n + 1);
    if (n > 0) return false;
    this.sets[transport].add(uid);
    const joined = !this.sets.any.has(uid);
    if (joined) this.sets.any.add(uid);
    this.emit({ uid, transport, connected: true, any: joined });
    return joined;
  }

  /** Removes one client of `uid` on `transport`; true when the uid has no client left at all. */
  remove(transport: Transport, uid: string): boolean {
    const n = this.counts[transport].get(uid) ?? 0;
    if (n === 0) return false;
    if (n > 1) {
      this.counts[transport].set(uid, n - 1);
      return false;
    }
    this.counts[transport].delete(uid);
    this.sets[transport].delete(uid);
    const left = !this.counts[transport === 'ws' ? 'ajax' : 'ws'].has(uid);
    if (left) this.sets.any.delete(uid);
    this.emit({ uid, transport, connected: false, any: left });
    return left;
  }

  /** Sets whether `uid` is connected on `transport` (a backplane's cluster-wide view, counted by the backplane). */
  set(transport: Transport, uid: string, connected: boolean): void {
    const has = this.counts[transport].has(uid);
    if (connected && !has) this.add(transport, uid);
    else if (!connected && has) this.remove(transport, uid);
  }

  watch(listener: ConnectedUidsListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private emit(change: ConnectedUidsChange): void {
    for (const l of this.listeners) {
      try {
        l(this.view, change);
      } catch (e) {
        this.onListenerError(e);
      }
    }
  }
}
