import type { EnvelopeExt, TimerHandle } from '@sente/core';
import type { WebSocketConstructor } from './platform.js';
import type { FallbackKit } from './lazy-ajax.js';
import type { Transport, TransportContext } from './transport.js';
import type { WsTimings } from './ws-transport.js';

/** A background WebSocket transport that becomes the client's once it proves itself. */
export interface Probe {
  /** Stops probing; a no-op once the client took the probe over. */
  stop(): void;
}

/**
 * Takes over a probe that handshook (at `since`, epoch ms) and lived
 * `wsEarlyDeathMs`, with the push batches it received meanwhile: true when the
 * client switched to it; false to be asked again shortly (sends in flight).
 */
export type TakeProbe = (probe: Transport, handshake: readonly [unknown, unknown], pushes: readonly ProbePush[], since: number) => boolean;

/** A push batch a probe received before it was taken over, with its envelope's extensions. */
export type ProbePush = readonly [content: unknown, ext: EnvelopeExt | undefined];

/** How often a surviving probe asks again while Ajax sends are in flight. */
const OFFER_AGAIN_MS = 50;

/**
 * Re-upgrade (sente#201): a second WebSocket transport that connects in the
 * background on its own schedule (`backoffMs`: the first attempt waits too),
 * with a context of its own. Until it is taken over, its state, handshakes,
 * pushes and errors stay private: a server sends each push to both transports,
 * so Ajax keeps delivering, and a failed probe is never the app's concern.
 * Once it has handshaken and lived `wsEarlyDeathMs`, `take` is offered it;
 * from then on its context is the client's, and it is an ordinary WebSocket
 * transport (`fallback` is its way back to Ajax).
 */
export function createProbe(
  ctx: TransportContext,
  opts: WsTimings,
  url: string,
  WebSocket: WebSocketConstructor,
  backoffMs: (attempt: number) => number,
  take: TakeProbe,
  fallback: (t: Transport) => boolean,
  kit: FallbackKit,
): Probe {
  const { clock } = ctx;
  // From the kit (see lazy-ajax.ts).
  const createStateStore = kit[22];
  const createWsTransport = kit[23];
  let taken = false;
  let timer: TimerHandle | undefined;
  let handshake: readonly [unknown, unknown] = [null, null];
  let pushes: ProbePush[] = [];
  let since = 0;

  const cancel = (): void => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
  };
  // The probe's own state: a socket it loses takes its pending offer with it.
  const own = createStateStore('ws', clock, (change) => {
    if (!change.closed) return;
    cancel();
    pushes = [];
  });

  const offer = (): void => {
    // Taken before the switch runs, so that whatever the switch sets off reaches the client.
    taken = true;
    if (take(probe, handshake, pushes, since)) return;
    taken = false;
    timer = clock.setTimeout(offer, OFFER_AGAIN_MS);
  };

  const probeCtx: TransportContext = {
    ...ctx,
    get state() {
      return taken ? ctx.state : own;
    },
    backoffMs: (n) => (taken ? ctx.backoffMs(n) : backoffMs(n)),
    handshake(kind, content) {
      if (taken) return ctx.handshake(kind, content);
      handshake = content;
      since = clock.now();
      own.update({ open: true });
      timer = clock.setTimeout(offer, opts.wsEarlyDeathMs);
    },
    receiveBatch(content, ext) {
      if (taken) ctx.receiveBatch(content, ext);
      else pushes.push([content, ext]);
    },
    report: (error) => taken && ctx.report(error),
  };

  const probe: Transport = createWsTransport(probeCtx, opts, url, WebSocket, () => taken && fallback(probe));
  probe.connect(true);
  return {
    stop() {
      if (taken) return;
      cancel();
      probe.disconnect(null);
    },
  };
}
