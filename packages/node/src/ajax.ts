import { payloadHeaders } from '@sente/core';
import type { ChannelListener, Packed, SenteResponse, ServerChannel } from '@sente/core';
import type { ServerResponse } from 'node:http';

/** Writes a plain response and ends it. */
export function writeResponse(res: ServerResponse, r: SenteResponse): void {
  if (res.headersSent || res.writableEnded) return;
  res.writeHead(r.status, { ...r.headers, 'content-length': String(byteLength(r.body)) });
  res.end(r.body);
}

/**
 * Opens an Ajax channel on a Node response: `send` answers the request with
 * the payload and ends it, `close` ends it empty (204), and the response's
 * end or a client abort reaches the core's `onClose`.
 */
export function openAjaxChannel(res: ServerResponse, open: (ch: ServerChannel) => ChannelListener): void {
  let live = true;
  const isOpen = (): boolean => live && !res.writableEnded && !res.destroyed;
  const ch: ServerChannel = {
    isOpen,
    send(payload: Packed): boolean {
      if (!isOpen()) return false;
      live = false;
      res.writeHead(200, { ...payloadHeaders(payload), 'content-length': String(byteLength(payload)) });
      res.end(payload);
      return true;
    },
    close(): boolean {
      if (!isOpen()) return false;
      live = false;
      res.writeHead(204, { 'cache-control': 'no-store' });
      res.end();
      return true;
    },
  };
  const listener = open(ch);
  // 'close' fires once: after the response is sent, or when the client goes away first.
  res.once('close', () => {
    live = false;
    listener.onClose();
  });
}

function byteLength(body: string | Uint8Array): number {
  return typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
}
