/** A token bucket: `perSecond` events on average, bursts of up to `burst`. */
export interface RateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

/** Rate limits on client events, in one place (each optional). */
export interface RateLimits {
  /** Events of one client (a tab: uid and client id). */
  readonly perClient?: RateLimit | undefined;
  /** Events of all the clients of one uid together. */
  readonly perUid?: RateLimit | undefined;
  /** Events of one client with one event id, by id. */
  readonly perEvent?: Readonly<Record<string, RateLimit>> | undefined;
  /**
   * The hard limit: a client that keeps sending while refused, until its debt
   * reaches this many bursts, is disconnected (WebSocket close 4429).
   * @default 2
   */
  readonly hardFactor?: number | undefined;
}

/** What the limits say of one event: go on, refuse it (soft), or refuse it and disconnect (hard). */
export type Verdict = 'ok' | 'soft' | 'hard';

interface Bucket {
  tokens: number;
  at: number;
}

/** The token buckets of a server's clients. */
export class RateLimiter {
  private readonly clients = new Map<string, Bucket>();
  private readonly uids = new Map<string, Bucket>();
  private readonly events = new Map<string, Bucket>();
  private readonly hard: number;

  constructor(
    private readonly limits: RateLimits,
    private readonly now: () => number,
  ) {
    this.hard = limits.hardFactor ?? 2;
  }

  /** Takes one token from each bucket the event counts against; the worst verdict wins. */
  check(uid: string, clientId: string, eventId: string): Verdict {
    const { perClient, perUid, perEvent } = this.limits;
    const client = `${uid}\n${clientId}`;
    let verdict: Verdict = 'ok';
    if (perClient !== undefined) verdict = worst(verdict, this.take(this.clients, client, perClient));
    if (perUid !== undefined) verdict = worst(verdict, this.take(this.uids, uid, perUid));
    const perId = perEvent?.[eventId];
    if (perId !== undefined) verdict = worst(verdict, this.take(this.events, `${client}\n${eventId}`, perId));
    return verdict;
  }

  /** A client left: its buckets go (and its uid's, when it was the last). */
  forget(uid: string, clientId: string, lastOfUid: boolean): void {
    const client = `${uid}\n${clientId}`;
    this.clients.delete(client);
    if (lastOfUid) this.uids.delete(uid);
    if (this.limits.perEvent === undefined) return;
    for (const id of Object.keys(this.limits.perEvent)) this.events.delete(`${client}\n${id}`);
  }

  /** Buckets held (a diagnostic, and a leak check). */
  get size(): number {
    return this.clients.size + this.uids.size + this.events.size;
  }

  private take(map: Map<string, Bucket>, key: string, limit: RateLimit): Verdict {
    const now = this.now();
    let b = map.get(key);
    if (b === undefined) map.set(key, (b = { tokens: limit.burst, at: now }));
    else {
      b.tokens = Math.min(limit.burst, b.tokens + ((now - b.at) * limit.perSecond) / 1000);
      b.at = now;
    }
    // A refused event still costs a token: a client that keeps pushing runs into debt, and past
    // `hardFactor` bursts of it, into the hard limit; waiting repays it.
    b.tokens -= 1;
    if (b.tokens >= 0) return 'ok';
    return b.tokens < -this.hard * limit.burst ? 'hard' : 'soft';
  }
}

function worst(a: Verdict, b: Verdict): Verdict {
  return a === 'hard' || b === 'hard' ? 'hard' : a === 'soft' || b === 'soft' ? 'soft' : 'ok';
}

/** The reply a request over a rate limit gets, instead of its handler's. */
export const RATE_LIMITED_REPLY = Object.freeze({ 'sente/error': 'ERR_SENTE_RATE_LIMITED' });
