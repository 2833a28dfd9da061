import { payloadTooLarge, senteError } from '@sente/core';
import type { IncomingMessage } from 'node:http';

/**
 * Reads a Node request body of at most `limit` bytes with plain stream
 * events: no async iterator, no promise per chunk. Past the limit it keeps
 * nothing more (the rest is discarded) and rejects with the core's 413 error; a
 * request that breaks off rejects with `ERR_SENTE_ABORTED`.
 */
export function readStreamBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer | string): void => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += bytes.byteLength;
      if (size > limit) {
        stop();
        // The rest is discarded as it comes: the 413 still reaches the client.
        req.resume();
        reject(payloadTooLarge(limit));
        return;
      }
      parts.push(bytes);
    };
    const onEnd = (): void => {
      stop();
      resolve(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size));
    };
    const onError = (e: Error): void => {
      stop();
      reject(senteError('ERR_SENTE_ABORTED', 'Request aborted', e));
    };
    const onClose = (): void => {
      stop();
      reject(senteError('ERR_SENTE_ABORTED', 'Request aborted'));
    };
    // Gone before we started: no event will come.
    if (req.destroyed) return reject(senteError('ERR_SENTE_ABORTED', 'Request aborted'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
