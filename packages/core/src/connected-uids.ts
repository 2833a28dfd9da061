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
 * counting, #33). Changes cost O(1); nothing is copied. A uid with one client
 * on a transport (the usual case) is counted by its place in that
 * transport's set alone: only uids with more keep a count, so a connection
 * costs one set entry, not a set and a map entry.
 */
export class ConnectedUidsStore {
  /** The clients of each uid on each transport, for the uids with two or more there. */
  private readonly counts = { ws: new Map<string, number>(), ajax: new Map<string, number>() };
  private readonly sets = { ws: new Set<string>(), ajax: new Set<string>(), any: new Set<string>() };
  readonly view: ConnectedUids = this.sets;
  private readonly listeners = new Set<ConnectedUidsListener>();

  constructor(private readonly onListenerError: (e: unknown) => void) {}

  /** Adds one client of `uid` on `transport`; true when the uid was not connected at all before. */
  add(transport: Transport, uid: string): boolean {
    const set = this.sets[transport];
    if (set.has(uid)) {
      const counts = this.counts[transport];
      counts.set(uid, (counts.get(uid) ?? 1) + 1);
      return false;
    }
    set.add(uid);
    const joined = !this.sets.any.has(uid);
    if (joined) this.sets.any.add(uid);
    this.emit({ uid, transport, connected: true, any: joined });
    return joined;
  }

  /** Removes one client of `uid` on `transport`; true when the uid has no client left at all. */
  remove(transport: Transport, uid: string): boolean {
    const set = this.sets[transport];
    if (!set.has(uid)) return false;
    const counts = this.counts[transport];
    const n = counts.get(uid);
    if (n !== undefined) {
      if (n > 2) counts.set(uid, n - 1);
      else counts.delete(uid);
      return false;
    }
    set.delete(uid);
    const left = !this.sets[transport === 'ws' ? 'ajax' : 'ws'].has(uid);
    if (left) this.sets.any.delete(uid);
    this.emit({ uid, transport, connected: false, any: left });
    return left;
  }

  /** Sets whether `uid` is connected on `transport` (a backplane's cluster-wide view, counted by the backplane). */
  set(transport: Transport, uid: string, connected: boolean): void {
    const has = this.sets[transport].has(uid);
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
