/** What the well-behaved clients saw go wrong: every field but the counts must stay 0. */
export interface Damage {
  /** Good clients that ran. */
  clients: number;
  /** Requests sent, and those answered with exactly their own data. */
  requests: number;
  repliesOk: number;
  /** Requests answered wrongly, late or not at all. */
  replyFailures: number;
  /** Pushes the server sent to good uids, and those seen. */
  pushesSent: number;
  pushesSeen: number;
  /** Pushes never seen that no contract excuses (beyond what a fault may lose, see the fault mode). */
  pushesMissing: number;
  /** Of those, pushes an Ajax (long-polling) good client never saw. */
  ajaxPushesMissing: number;
  /**
   * Pushes not seen yet when the wait ended, after the last one seen, while
   * the server still held batches for the client (queued in order for its
   * next polls): late, not lost; a figure, not damage.
   */
  pushesLate: number;
  /**
   * Pushes to a plain (Sente) client the server reported dropping at its
   * queue bound (`ERR_SENTE_QUEUE_OVERFLOW`, `maxQueuedBatches`): a client
   * that falls that far behind loses the oldest, as Sente's at-most-once
   * contract allows; a figure, not damage.
   */
  pushesDroppedAtBound: number;
  /** Pushes seen out of send order, or twice. */
  pushesOutOfOrder: number;
  /** Good connections the server closed or failed. */
  unexpectedCloses: number;
  /**
   * Times the server forgot a plain (Sente) Ajax good client whose next poll
   * came after the Ajax grace period (its poll was answered with a
   * handshake): Sente's at-most-once delivery, not damage.
   */
  ajaxExpiries: number;
  /** Pushes a plain Ajax good client lost at such an expiry (Sente's contract allows it). */
  pushesLostAtExpiry: number;
  /** Handshakes that told an extension client the push log could not cover its gap (`recovered: false`). */
  unrecovered: number;
  /** Pushes lost in such a gap (beyond the log's window: the client was told). */
  pushesLostBeyondLog: number;
  /**
   * Times the server forgot a good Ajax client before its grace period could
   * have run out (a poll answered with a handshake sooner than the grace
   * period after the previous poll was sent): damage.
   */
  earlyExpiries: number;
  /**
   * The longest a good client took to see every push once the push stream
   * stopped (a long-polling client takes one batch per poll, so under load it
   * catches up after the stream): a figure, not damage; the maximum, not a sum.
   */
  slowestCatchUpMs: number;
}

export function noDamage(): Damage {
  return {
    clients: 0,
    requests: 0,
    repliesOk: 0,
    replyFailures: 0,
    pushesSent: 0,
    pushesSeen: 0,
    pushesMissing: 0,
    ajaxPushesMissing: 0,
    pushesLate: 0,
    pushesDroppedAtBound: 0,
    pushesOutOfOrder: 0,
    unexpectedCloses: 0,
    ajaxExpiries: 0,
    pushesLostAtExpiry: 0,
    unrecovered: 0,
    pushesLostBeyondLog: 0,
    earlyExpiries: 0,
    slowestCatchUpMs: 0,
  };
}

/** The sum of everything that went wrong. */
export function damageCount(d: Damage): number {
  return d.replyFailures + d.pushesMissing + d.pushesOutOfOrder + d.unexpectedCloses + d.earlyExpiries;
}

export function addDamage(a: Damage, b: Damage): Damage {
  const out = noDamage();
  for (const k of Object.keys(out) as (keyof Damage)[]) out[k] = k === 'slowestCatchUpMs' ? Math.max(a[k], b[k]) : a[k] + b[k];
  return out;
}

/**
 * Pushes a client's contract lets it lose: those sent after the last push it
 * saw before `at` (a forgotten plain client, a gap the log could not cover)
 * and before the first it saw after. `before` stays `Infinity` until one is seen.
 */
export interface ExcusedGap {
  readonly after: number;
  before: number;
}

/**
 * Checks a uid's received push sequence numbers against `sent` pushes
 * numbered from 0: how many are missing (and of those, how many fall in an
 * excused gap) and how many came out of order.
 */
export function checkSequence(seen: readonly number[], sent: number, gaps: readonly ExcusedGap[] = []): { missing: number; excused: number; outOfOrder: number } {
  let outOfOrder = 0;
  for (let i = 1; i < seen.length; i++) if ((seen[i] as number) <= (seen[i - 1] as number)) outOfOrder++;
  const distinct = new Set(seen.filter((s) => s >= 0 && s < sent));
  let missing = 0;
  let excused = 0;
  for (let s = 0; s < sent; s++) {
    if (distinct.has(s)) continue;
    if (gaps.some((g) => s > g.after && s < g.before)) excused++;
    else missing++;
  }
  return { missing, excused, outOfOrder };
}
