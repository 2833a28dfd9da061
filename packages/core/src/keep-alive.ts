import { HeadQueue } from './head-queue.js';
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
 * A socket kept alive by a {@link KeepAliveSweep}: its state lives in its own
 * fields (a server holds one per WebSocket for the socket's whole life, so no
 * object, closure or timer of its own), and it gets the `ping` and `dead` calls.
 */
export interface KeptAlive extends Pick<KeepAliveOptions, 'ping' | 'dead'> {
  /** Traffic seen since the last check (set by {@link KeepAliveSweep.touch}, or by the socket itself). */
  kaActive: boolean;
  /** Where it waits: 0 stopped, 1 the idle check, 2 a ping's answer, 3 in its own check. */
  kaState: 0 | 1 | 2 | 3;
  /** When its check is due, in the sweep's time ({@link KeepAliveSweep}). */
  kaDue: number;
}

const STOPPED = 0;
const IDLE = 1;
const AWAITING_PONG = 2;
const CHECKING = 3;

/**
 * A queue of sockets whose checks are due after the same delay: they join it
 * in the order they are due, so one timer, armed for its head, serves them
 * all. An entry is the socket and its due time; a socket that was stopped or
 * re-armed since leaves a stale entry behind, skipped when it comes up.
 */
class DueQueue {
  private readonly entries = new HeadQueue<KeptAlive | number>();
  /** Sockets waiting in this queue (stale entries aside). */
  waiting = 0;
  private timer: Timer | undefined;
  /** True while its due checks run: the timer is armed once they are done. */
  private running = false;

  constructor(
    private readonly sweep: KeepAliveSweep,
    readonly state: 1 | 2,
    readonly delayMs: number,
  ) {}

  /** `m` waits here from now on (the sweep's time only grows: the queue stays in due order). */
  add(m: KeptAlive): void {
    m.kaState = this.state;
    m.kaDue = this.sweep.now() + this.delayMs;
    this.waiting++;
    this.entries.push(m);
    this.entries.push(m.kaDue);
    if (!this.running) this.timer ??= this.sweep.timers.set(() => this.run(), this.delayMs);
  }

  /** `m`, waiting here, leaves. */
  remove(m: KeptAlive): void {
    m.kaState = STOPPED;
    if (--this.waiting > 0) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.entries.clear();
  }

  private run(): void {
    this.timer = undefined;
    this.running = true;
    const now = this.sweep.now();
    let due: number | undefined;
    try {
      while ((due = this.entries.at(1) as number | undefined) !== undefined && due <= now) {
        const m = this.entries.shift() as KeptAlive;
        this.entries.shift();
        if (m.kaState !== this.state || m.kaDue !== due) continue;
        this.waiting--;
        m.kaState = CHECKING;
        this.sweep.check(m, this.state === AWAITING_PONG);
      }
    } finally {
      this.running = false;
      if (this.waiting === 0) this.entries.clear();
      else if (due !== undefined) this.timer = this.sweep.timers.set(() => this.run(), Math.max(0, due - this.sweep.now()));
    }
  }
}

/**
 * The keep-alive of every WebSocket of a server (the same checks as
 * {@link createKeepAlive}, per socket, at the same times): the sockets wait in
 * two queues, one per delay — the idle check and a ping's answer — each with
 * a single timer, so an idle server holds two timers whatever its number of
 * sockets, and a socket costs three fields of its own.
 */
export class KeepAliveSweep {
  private readonly idle: DueQueue;
  private readonly pong: DueQueue;
  private readonly origin: number;

  constructor(
    readonly timers: Timers,
    intervalMs: number,
    private readonly pingTimeoutMs: number | null,
  ) {
    this.idle = new DueQueue(this, IDLE, intervalMs);
    this.pong = new DueQueue(this, AWAITING_PONG, pingTimeoutMs ?? intervalMs);
    // Times relative to the sweep's start stay small numbers.
    this.origin = timers.elapsed();
  }

  /**
   * The sweep's time: whole ms since it started. Whole, so that a socket's due
   * time is a small integer, held in its field as is: a fraction would box it
   * in a heap number of its own, per socket and per queue entry.
   */
  now(): number {
    return Math.floor(this.timers.elapsed() - this.origin);
  }

  /** Records traffic on `m`: it is alive. */
  touch(m: KeptAlive): void {
    m.kaActive = true;
  }

  /** Starts checking `m`. */
  start(m: KeptAlive): void {
    if (m.kaState !== STOPPED) return;
    m.kaActive = false;
    this.idle.add(m);
  }

  /** Stops checking `m`; the sweep keeps no timer for sockets it does not check. */
  stop(m: KeptAlive): void {
    if (m.kaState === IDLE) this.idle.remove(m);
    else if (m.kaState === AWAITING_PONG) this.pong.remove(m);
    else m.kaState = STOPPED;
  }

  /** `m`'s check is due; `awaitingPong` when it was pinged and waits for traffic. */
  check(m: KeptAlive, awaitingPong: boolean): void {
    if (m.kaActive) {
      m.kaActive = false;
      return this.idle.add(m);
    }
    if (awaitingPong) {
      m.kaState = STOPPED;
      return m.dead();
    }
    m.ping();
    // ping() may have stopped it (e.g. it found the socket gone); the ping's own traffic is not the peer's.
    if (m.kaState !== CHECKING) return;
    m.kaActive = false;
    if (this.pingTimeoutMs === null) return this.idle.add(m);
    this.pong.add(m);
  }
}
