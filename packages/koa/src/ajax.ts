import { payloadHeaders } from '@sente/core';
import type { ChannelListener, SenteRequest, SenteResponse, SenteServer, ServerChannel } from '@sente/core';
import type { ServerResponse } from 'node:http';

const BAD_REQUEST: SenteResponse = { status: 400, body: 'Bad request' };

/**
 * Runs one Ajax request through the core and resolves with its response, so
 * that the middleware can `await` it and set `ctx.body` the Koa way, even for
 * a poll parked for seconds. Resolves `undefined` when the client went away first.
 */
export function answerAjax<Raw>(server: SenteServer<Raw>, req: SenteRequest<Raw>, res: ServerResponse): Promise<SenteResponse | undefined> {
  return new Promise((resolve) => {
    void server.handle(req, {
      respond: resolve,
      acceptWebSocket: () => resolve(BAD_REQUEST),
      acceptAjax: (open) => openDeferredChannel(res, open, resolve),
    });
  });
}

/**
 * An Ajax channel whose `send` hands the payload to `resolve` instead of
 * writing it: Koa writes it once the middleware returns. The response's
 * `close` (after it is sent, or a client abort) reaches the core's `onClose`.
 */
function openDeferredChannel(
  res: ServerResponse,
  open: (ch: ServerChannel) => ChannelListener,
  resolve: (r: SenteResponse | undefined) => void,
): void {
  let live = true;
  const isOpen = (): boolean => live && !res.destroyed;
  const ch: ServerChannel = {
    isOpen,
    send(payload) {
      if (!isOpen()) return false;
      live = false;
      resolve({ status: 200, headers: payloadHeaders(payload), body: payload });
      return true;
    },
    close() {
      if (!isOpen()) return false;
      live = false;
      resolve({ status: 204, headers: { 'cache-control': 'no-store' }, body: '' });
      return true;
    },
  };
  const listener = open(ch);
  const closed = (): void => {
    live = false;
    listener.onClose();
    resolve(undefined);
  };
  // A client that left before the channel opened gets no 'close' event any more.
  if (res.destroyed) closed();
  else res.once('close', closed);
}
