import type { FallbackKit } from './lazy-ajax.js';
import type { WebSocketConstructor } from './platform.js';
import type { Transport, TransportContext } from './transport.js';
import { createProbe } from './upgrade-probe.js';
import type { WsTimings } from './ws-transport.js';

/** A client on Ajax after a fallback, on its way back to WebSocket. */
export interface Reupgrade {
  /**
   * Takes a push that came without a position (a Sente server's): true when
   * it is a repeat, that WebSocket brings after the switch, of what Ajax
   * delivered: the app has it already.
   */
  repeat(item: unknown): boolean;
  /** Stops probing; a no-op once the client switched. */
  stop(): void;
}

/**
 * Re-upgrade (sente#201), in fallback.ts because only a client that fell back
 * needs it: a probe (upgrade-probe.ts) connects a WebSocket in the background
 * on `backoffMs`; once it proves itself, `take` makes it the client's
 * transport (false while Ajax sends are in flight: the probe asks again), and
 * its handshake and the pushes it received meanwhile are handed on. No push
 * is delivered twice: a server of the extensions gives positions; a Sente
 * server does not, so the pushes Ajax delivered are remembered (packed, the
 * latest 1000) and a WebSocket push found there is skipped. `backoffMs`
 * is the `upgradeBackoffMs` option (`undefined`: {@link equalJitterBackoff}).
 */
export function createReupgrade(
  ctx: TransportContext,
  opts: WsTimings,
  url: string,
  WebSocket: WebSocketConstructor,
  backoffMs: ((attempt: number) => number) | undefined,
  skip: number,
  take: (probe: Transport) => boolean,
  fallback: (t: Transport) => boolean,
  kit: FallbackKit,
): Reupgrade {
  const { clock, packer } = ctx;
  // Each fallback starts probing where the last one left off (`skip`).
  const schedule = backoffMs ?? equalJitterBackoff(10_000, 300_000, ctx.random);
  /** Before the switch, what Ajax delivered; after it, what WebSocket may repeat; `null` once it brought something new. */
  let recent: Array<readonly [key: string, at: number]> | null = [];
  let switched = false;
  const probe = createProbe(
    ctx,
    opts,
    url,
    WebSocket,
    (n) => schedule(n + skip),
    (to, hs, pushes, since) => {
      if (!take(to)) return false;
      switched = true;
      ctx.handshake('ws', hs);
      for (const [batch, ext] of pushes) ctx.receiveBatch(batch, ext);
      // WebSocket can only repeat what Ajax delivered after the probe connected
      // (a second of slack for Ajax arriving first): an older entry would make a
      // new push that looks like an old one pass for a repeat.
      if (recent !== null) recent = recent.filter((e) => e[1] >= since - 1000);
      return true;
    },
    fallback,
    kit,
  );
  return {
    repeat(item) {
      if (recent === null) return false;
      // A binary packer's bytes compare as their comma-separated list.
      const key = String(packer.pack(item));
      if (!switched) {
        if (recent.push([key, clock.now()]) > 1000) recent.shift();
        return false;
      }
      // A server sends each push to both transports in the same order, so the
      // WebSocket stream repeats the tail of what Ajax delivered (a server may also
      // replay what an earlier socket missed): skip a WebSocket push found there
      // (and everything logged before it), and stop filtering at the first new one.
      const i = recent.findIndex((e) => e[0] === key);
      if (i < 0) recent = null;
      else recent.splice(0, i + 1);
      return i >= 0;
    },
    stop: () => probe.stop(),
  };
}

/**
 * "Equal jitter": attempt `n` waits a random time in `[w/2, w)` with
 * `w = min(maxMs, baseMs * 2^(n-1))`. Never near 0, so a WebSocket that just
 * failed is left alone for a while; still spread out. The default schedule of
 * the background WebSocket probes (`upgradeBackoffMs`).
 */
export function equalJitterBackoff(baseMs: number, maxMs: number, random: () => number): (attempt: number) => number {
  return (attempt) => {
    const w = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
    return Math.floor(w / 2 + (random() * w) / 2);
  };
}
