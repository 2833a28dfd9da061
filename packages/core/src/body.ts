import { senteError } from './errors.js';
import type { SenteError } from './errors.js';

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
  return senteError('ERR_SENTE_PAYLOAD_TOO_LARGE', `Payload too large: the limit is ${limit} bytes.`);
}

/** True when a payload is over `limit` bytes; text counts in UTF-8 bytes, as it goes on the wire. */
export function overLimit(data: string | Uint8Array, limit: number): boolean {
  if (typeof data !== 'string') return data.byteLength > limit;
  // A UTF-16 code unit is 1 to 3 UTF-8 bytes: only text near the limit needs counting.
  if (data.length > limit) return true;
  if (data.length * 3 <= limit) return false;
  let bytes = 0;
  for (let i = 0; i < data.length; i++) {
    const c = data.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < data.length && (data.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
    if (bytes > limit) return true;
  }
  return false;
}
