import { STATUS_CODES } from 'node:http';
import { payloadHeaders } from '@sente/core';
import type { ChannelListener, SenteResponse, ServerChannel } from '@sente/core';
import type { HttpResponse } from 'uWebSockets.js';

/**
 * A uWS response and what became of it: uWS forbids touching a response after
 * it was aborted or ended, so every write goes through here.
 */
export interface TrackedResponse {
  /** True until the response was aborted or ended. */
  usable(): boolean;
  /** Writes a whole response (corked); false when no longer usable. */
  write(r: SenteResponse, closeConnection?: boolean): boolean;
  /** Calls `fn` when the client aborts (at most once). */
  onAbort(fn: () => void): void;
}

/** Tracks a uWS response; registers `onAborted`, so call it before going async. */
export function trackResponse(res: HttpResponse): TrackedResponse {
  let aborted = false;
  let ended = false;
  const abortListeners: (() => void)[] = [];
  res.onAborted(() => {
    aborted = true;
    for (const fn of abortListeners.splice(0)) fn();
  });
  const usable = (): boolean => !aborted && !ended;
  return {
    usable,
    write(r, closeConnection = false) {
      if (!usable()) return false;
      ended = true;
      res.cork(() => {
        res.writeStatus(`${r.status} ${STATUS_CODES[r.status] ?? ''}`);
        for (const [name, value] of Object.entries(r.headers ?? {})) res.writeHeader(name, value);
        res.end(r.body, closeConnection);
      });
      return true;
    },
    onAbort(fn) {
      if (aborted) fn();
      else abortListeners.push(fn);
    },
  };
}

/**
 * Opens an Ajax channel on a uWS response: `send` answers the request with the
 * payload, `close` ends it empty (204); either, or a client abort, reaches the
 * core's `onClose`.
 */
export function openAjaxChannel(res: TrackedResponse, open: (ch: ServerChannel) => ChannelListener): void {
  let listener: ChannelListener | undefined;
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    listener?.onClose();
  };
  const ch: ServerChannel = {
    isOpen: res.usable,
    send(payload) {
      if (!res.write({ status: 200, headers: payloadHeaders(payload), body: payload })) return false;
      finish();
      return true;
    },
    close() {
      if (!res.write({ status: 204, headers: { 'cache-control': 'no-store' }, body: '' })) return false;
      finish();
      return true;
    },
  };
  res.onAbort(finish);
  listener = open(ch);
  // Answered (the handshake) or aborted while the core was opening the channel.
  if (done || !res.usable()) {
    done = true;
    listener.onClose();
  }
}
