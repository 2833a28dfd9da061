import { CLOSE_CODES, decodeEnvelope, isHandshake } from '@sente/core';
import type { Clock, Packer, TimerHandle } from '@sente/core';
import { safeDelay } from './backoff.js';
import type { WebSocketConstructor, WebSocketLike, WsMessageEventLike } from './platform.js';
import { asPacked } from './transport.js';
import { detach } from './ws-transport.js';

/** The options {@link createUpgrader} reads (the client's resolved options). */
export interface UpgraderTimings {
  readonly clock: Clock;
  readonly packer: Packer;
  /** A probe that has not handshaken in this time failed; 0 for no limit. */
  readonly wsConnectTimeoutMs: number;
  /** How long a probe must live after its handshake before it is offered. */
  readonly wsEarlyDeathMs: number;
}

/**
 * Offers a probe that handshook (at `since`, epoch ms) and lived
 * `wsEarlyDeathMs`, with the push batches it received meanwhile: true when the
 * client took the socket over; false to be asked again shortly (sends in flight).
 */
export type ProbeReady = (socket: WebSocketLike, handshake: readonly [unknown, unknown], pushes: readonly unknown[], since: number) => boolean;

/** Background WebSocket probes while `type: 'auto'` runs on Ajax. */
export interface Upgrader {
  /** Schedules probes until one is taken over or {@link Upgrader.stop} is called. */
  start(): void;
  /** Cancels the scheduled probe and closes a probe in progress. */
  stop(): void;
}

/** How often a surviving probe asks again while Ajax sends are in flight. */
const OFFER_AGAIN_MS = 50;

/**
 * Re-upgrade (sente#201): probes a WebSocket in the background, with growing
 * jittered waits, and offers it once it has handshaken and lived a while. The
 * probe delivers nothing itself: a server sends each push to both transports,
 * so Ajax keeps delivering until the switch, and the client then takes from
 * the probe's pushes only those Ajax has not delivered. The attempt count survives a
 * successful switch, so a WebSocket that keeps failing soon after is probed
 * less and less often rather than flapping.
 */
export function createUpgrader(
  o: UpgraderTimings,
  WebSocket: WebSocketConstructor,
  url: () => string,
  backoffMs: (attempt: number) => number,
  ready: ProbeReady,
): Upgrader {
  let attempts = 0;
  let running = false;
  let timer: TimerHandle | undefined;
  let probe: WebSocketLike | null = null;

  const later = (fn: () => void, ms: number): void => {
    if (timer !== undefined) o.clock.clearTimeout(timer);
    timer = o.clock.setTimeout(() => {
      timer = undefined;
      fn();
    }, ms);
  };

  const end = (): void => {
    if (timer !== undefined) o.clock.clearTimeout(timer);
    timer = undefined;
    const s = probe;
    probe = null;
    if (s === null) return;
    detach(s);
    try {
      s.close(CLOSE_CODES.normal, 'CLOSE_NORMAL');
    } catch {
      // A socket that cannot even close is gone already.
    }
  };

  const schedule = (): void => {
    end();
    if (!running) return;
    attempts++;
    later(dial, safeDelay(backoffMs(attempts), 300_000));
  };

  const dial = (): void => {
    let s: WebSocketLike;
    try {
      s = new WebSocket(url());
    } catch {
      schedule();
      return;
    }
    probe = s;
    s.binaryType = 'arraybuffer';
    let handshake: readonly [unknown, unknown] | undefined;
    const pushes: unknown[] = [];
    let since = 0;
    const offer = (): void => {
      if (probe !== s || handshake === undefined) return;
      if (!ready(s, handshake, pushes, since)) {
        later(offer, OFFER_AGAIN_MS);
        return;
      }
      probe = null;
      running = false;
    };
    const fail = (): void => {
      if (probe === s) schedule();
    };
    s.onmessage = (ev: WsMessageEventLike) => {
      if (probe !== s) return;
      let content: unknown;
      try {
        const packed = asPacked(ev.data);
        content = packed === undefined ? undefined : decodeEnvelope(o.packer.unpack(packed))?.content;
      } catch {
        content = undefined;
      }
      if (handshake === undefined) {
        if (!isHandshake(content)) {
          fail();
          return;
        }
        handshake = content;
        since = o.clock.now();
        later(offer, o.wsEarlyDeathMs);
      } else if (Array.isArray(content)) pushes.push(content);
      // Server pings go unanswered: a probe lives seconds, a server pings an idle socket after many.
    };
    s.onerror = fail;
    s.onclose = fail;
    if (o.wsConnectTimeoutMs > 0) later(fail, o.wsConnectTimeoutMs);
  };

  return {
    start() {
      if (running) return;
      running = true;
      schedule();
    },
    stop() {
      running = false;
      end();
    },
  };
}
