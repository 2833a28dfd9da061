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
  /** Pushes never seen (beyond what a fault may lose, see the fault mode). */
  pushesMissing: number;
  /** Of those, pushes an Ajax (long-polling) good client never saw. */
  ajaxPushesMissing: number;
  /** Pushes seen out of send order, or twice. */
  pushesOutOfOrder: number;
  /** Good connections the server closed or failed. */
  unexpectedCloses: number;
}

export function noDamage(): Damage {
  return { clients: 0, requests: 0, repliesOk: 0, replyFailures: 0, pushesSent: 0, pushesSeen: 0, pushesMissing: 0, ajaxPushesMissing: 0, pushesOutOfOrder: 0, unexpectedCloses: 0 };
}

/** The sum of everything that went wrong. */
export function damageCount(d: Damage): number {
  return d.replyFailures + d.pushesMissing + d.pushesOutOfOrder + d.unexpectedCloses;
}

export function addDamage(a: Damage, b: Damage): Damage {
  const out = noDamage();
  for (const k of Object.keys(out) as (keyof Damage)[]) out[k] = a[k] + b[k];
  return out;
}

/**
 * Checks a uid's received push sequence numbers against `sent` pushes
 * numbered from 0: how many are missing and how many came out of order.
 */
export function checkSequence(seen: readonly number[], sent: number): { missing: number; outOfOrder: number } {
  let outOfOrder = 0;
  for (let i = 1; i < seen.length; i++) if ((seen[i] as number) <= (seen[i - 1] as number)) outOfOrder++;
  const distinct = new Set(seen.filter((s) => s >= 0 && s < sent));
  return { missing: sent - distinct.size, outOfOrder };
}
