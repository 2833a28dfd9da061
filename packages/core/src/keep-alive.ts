import type { Timer, Timers } from './timers.js';

/** A WebSocket's keep-alive (sente-protocol §3.8), the same on client and server. */
export interface KeepAlive {
  /** Records traffic: the socket is alive. One integer increment. */
  touch(): void;
  /** Starts checking. */
  start(): void;
  /** Stops checking; no timer is left. */
  stop(): void;
}

/** Options of {@link createKeepAlive}. */
export interface KeepAliveOptions {
  /** How often to check for traffic. */
  readonly intervalMs: number;
  /**
   * After a ping, how long the socket may stay silent before `dead` is called;
   * `null`: ping on every idle check and never call `dead` (the caller judges
   * the ping's answer itself).
   */
  readonly pingTimeoutMs: number | null;
  /** The socket was idle for a whole interval: send a ping. */
  ping(): void;
  /** No traffic within `pingTimeoutMs` of a ping. */
  dead(): void;
}

/**
 * Checks every `intervalMs` whether the socket sent or received anything
 * since the previous check; pings when it did not, and gives up when a ping
 * gets no traffic back in time. Activity is a counter rather than a
 * timestamp, so two messages in the same millisecond, or a frozen test clock,
 * still count.
 */
export function createKeepAlive(timers: Pick<Timers, 'set'>, o: KeepAliveOptions): KeepAlive {
  let activity = 0;
  let seen = 0;
  let awaitingPong = false;
  let timer: Timer | undefined;

  const tick = (): void => {
    timer = undefined;
    if (activity !== seen) {
      seen = activity;
      awaitingPong = false;
    } else if (awaitingPong) {
      return o.dead();
    } else {
      o.ping();
      // ping() may have stopped us (e.g. it found the socket gone); the ping's own traffic is not the peer's.
      if (timer !== undefined || stopped) return;
      seen = activity;
      awaitingPong = o.pingTimeoutMs !== null;
      timer = timers.set(tick, o.pingTimeoutMs ?? o.intervalMs);
      return;
    }
    timer = timers.set(tick, o.intervalMs);
  };
  let stopped = true;

  return {
    touch() {
      activity++;
    },
    start() {
      if (!stopped) return;
      stopped = false;
      seen = activity;
      awaitingPong = false;
      timer = timers.set(tick, o.intervalMs);
    },
    stop() {
      stopped = true;
      timer?.cancel();
      timer = undefined;
    },
  };
}

/**
 * The same keep-alive as {@link createKeepAlive}, as one object with its
 * state in fields: a server holds one per WebSocket for the socket's whole
 * life, and this saves the closures (and their contexts) of each. `owner`
 * gets the `ping` and `dead` calls (a server session implements them
 * itself). The browser client keeps the closure form, which minifies smaller.
 */
export class KeepAliveTimer implements KeepAlive {
  private activity = 0;
  private seen = 0;
  private awaitingPong = false;
  private stopped = true;
  private timer: Timer | undefined;

  constructor(
    private readonly timers: Timers,
    private readonly intervalMs: number,
    private readonly pingTimeoutMs: number | null,
    private readonly owner: Pick<KeepAliveOptions, 'ping' | 'dead'>,
  ) {}

  touch(): void {
    this.activity++;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.seen = this.activity;
    this.awaitingPong = false;
    this.arm(this.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.timer = this.timers.set(() => this.tick(), ms);
  }

  private tick(): void {
    this.timer = undefined;
    if (this.activity !== this.seen) {
      this.seen = this.activity;
      this.awaitingPong = false;
    } else if (this.awaitingPong) {
      return this.owner.dead();
    } else {
      this.owner.ping();
      // ping() may have stopped us (e.g. it found the socket gone); the ping's own traffic is not the peer's.
      if (this.timer !== undefined || this.stopped) return;
      this.seen = this.activity;
      this.awaitingPong = this.pingTimeoutMs !== null;
      return this.arm(this.pingTimeoutMs ?? this.intervalMs);
    }
    this.arm(this.intervalMs);
  }
}
