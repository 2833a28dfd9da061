import { SenteError } from './errors.js';

/**
 * Collects a request body of at most `limit` bytes. Stops reading and throws a
 * `ERR_SENTE_PAYLOAD_TOO_LARGE` {@link SenteError} (status 413) past the limit.
 */
export async function collectBody(chunks: AsyncIterable<Uint8Array | string>, limit: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
    size += bytes.byteLength;
    if (size > limit) throw payloadTooLarge(limit);
    parts.push(bytes);
  }
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** The error for a payload over `limit` bytes. */
export function payloadTooLarge(limit: number): SenteError {
  return new SenteError('ERR_SENTE_PAYLOAD_TOO_LARGE', `Payload too large: the limit is ${limit} bytes.`, {
    status: 413,
    closeCode: 1009,
  });
}
