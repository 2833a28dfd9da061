import {
  AJAX_CB_MARKER,
  EXT_VERSION,
  postBatchEnvelope,
  SenteError,
  decodeEnvelope,
  isHandshake,
  isCbError,
  isKeywordContent,
  keywordName,
  isSenteError,
  parseRetryAfter,
  retryDelay,
} from '@sente/core';
import type { TimerHandle } from '@sente/core';
import { CHSK_ERROR, CHSK_REFRESH, CHSK_TIMEOUT, WIRE_CLIENT_ID, WIRE_EXT, WIRE_POSITION } from '@sente/core/internal';
import { connectionError } from './connection-errors.js';
import { asSendable } from './platform.js';
import { createReconnector } from './reconnector.js';
import { callSafely } from './reply-callbacks.js';
import { createStateStore } from './state.js';
import { clientEnvelope } from './transport.js';
import type { Transport, TransportContext } from './transport.js';
import { appParamsQuery, appendParam, withQuery } from './urls.js';
import { createWsTransport } from './ws-transport.js';

/** The module loaded on demand: the Ajax transport and the re-upgrade probe. */
export type Fallback = typeof import('./fallback.js');

/**
 * What fallback.ts uses of the client's bundle, handed over rather than
 * imported: a bundler then splits it off alone, with no chunk of code it
 * shares with the client (esbuild would put that code in a chunk that a page
 * loads at once, even when the page uses none of it). A tuple: its
 * minified form names nothing.
 */
export const kit = [
  AJAX_CB_MARKER,
  CHSK_TIMEOUT,
  EXT_VERSION,
  postBatchEnvelope,
  SenteError,
  WIRE_CLIENT_ID,
  decodeEnvelope,
  isHandshake,
  isCbError,
  isKeywordContent,
  keywordName,
  isSenteError,
  parseRetryAfter,
  retryDelay,
  connectionError,
  asSendable,
  createReconnector,
  callSafely,
  clientEnvelope,
  appParamsQuery,
  appendParam,
  withQuery,
  createStateStore,
  createWsTransport,
  CHSK_ERROR,
  CHSK_REFRESH,
  WIRE_EXT,
  WIRE_POSITION,
] as const;

/** See {@link kit}. */
export type FallbackKit = typeof kit;

let loaded: Fallback | undefined;

/** Loads fallback.ts (once loaded, at once). */
export const loadFallback = (): Promise<Fallback> => import('./fallback.js').then((m) => (loaded = m));

/** Calls `fn` with fallback.ts: at once when it is loaded, else once it is (`failed` when it cannot be). */
export function withFallback(fn: (m: Fallback) => void, failed: (error: unknown) => void): void {
  if (loaded !== undefined) fn(loaded);
  else loadFallback().then(fn, failed);
}

/** fallback.ts when it is loaded already. */
export const fallback = (): Fallback | undefined => loaded;

/**
 * A transport made by `make` from the module `load` loads (fallback.ts by
 * default; share.ts loads tabs.ts): at once when fallback.ts is loaded, else a
 * stand-in that loads it and then hands every call to the transport.
 * Meanwhile the client is not open, so sends wait in the outbox. A failed load
 * is reported (`onError`) and tried again after the reconnect backoff; a
 * `disconnect()` meanwhile ends it.
 */
export function lazyTransport<M = Fallback>(
  ctx: TransportContext,
  make: (m: M) => Transport,
  load: () => Promise<M> = loadFallback as () => Promise<M>,
): Transport {
  if (loaded !== undefined && load === loadFallback) return make(loaded as M);
  let real: Transport | undefined;
  let active = true;
  let connectArg: [boolean | undefined] | undefined;
  let attempt = 0;
  let timer: TimerHandle | undefined;
  const attemptLoad = (): void => {
    timer = undefined;
    load().then(
      (m) => {
        if (!active) return;
        real = make(m);
        if (connectArg !== undefined) real.connect(...connectArg);
      },
      (error: unknown) => {
        if (!active) return;
        ctx.onError(error);
        timer = ctx.clock.setTimeout(attemptLoad, ctx.backoffMs(attempt++));
      },
    );
  };
  attemptLoad();
  // Until the module is loaded, this stand-in; then every call goes to the transport.
  const standIn: Transport = {
    busy: () => false,
    connect(later) {
      connectArg = [later];
    },
    disconnect(reason, recordClose) {
      active = false;
      if (timer !== undefined) ctx.clock.clearTimeout(timer);
      if (reason !== null) ctx.state.close(reason, undefined, recordClose);
    },
    send: () => false,
    breakConnection() {},
    kick() {},
    checkHealth() {},
  };
  return new Proxy(standIn, { get: (target, key) => Reflect.get(real ?? target, key) });
}
