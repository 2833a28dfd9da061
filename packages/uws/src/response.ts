import { STATUS_CODES } from 'node:http';
import type { HttpExchange, SenteResponse } from '@sente/core';
import type { HttpResponse } from 'uWebSockets.js';

/** The exchange of a uWS response, and whether it can still be written. */
export interface UwsExchange extends HttpExchange {
  /** True until the response was aborted or ended. */
  usable(): boolean;
}

/**
 * The exchange of a uWS request: uWS forbids touching a response after it
 * was aborted or ended, so every write goes through here. Registers
 * `onAborted`, so call it before going async. `closeConnection()` tells
 * whether a response must also close the connection (a body still arriving).
 */
export function uwsExchange(res: HttpResponse, closeConnection: () => boolean = () => false): UwsExchange {
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
    respond(r: SenteResponse) {
      if (!usable()) return false;
      ended = true;
      res.cork(() => {
        res.writeStatus(`${r.status} ${STATUS_CODES[r.status] ?? ''}`);
        for (const [name, value] of Object.entries(r.headers ?? {})) res.writeHeader(name, value);
        res.end(r.body, closeConnection());
      });
      return true;
    },
    onAbort(fn) {
      if (aborted) fn();
      else if (!ended) abortListeners.push(fn);
    },
  };
}
