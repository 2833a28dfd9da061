import type { Packed } from './packer.js';
import { publicMessage } from './errors.js';
import type { SenteError } from './errors.js';
import type { SenteResponse } from './request.js';

const TEXT_HEADERS = Object.freeze({ 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
const BINARY_HEADERS = Object.freeze({ 'content-type': 'application/octet-stream', 'cache-control': 'no-store' });

/** A text response with the given status. */
export function textResponse(status: number, body: string, headers?: Readonly<Record<string, string>>): SenteResponse {
  return { status, headers: headers === undefined ? TEXT_HEADERS : { ...TEXT_HEADERS, ...headers }, body };
}

/** The headers of an Ajax answer carrying a packed payload. */
export function payloadHeaders(payload: Packed): Readonly<Record<string, string>> {
  return typeof payload === 'string' ? TEXT_HEADERS : BINARY_HEADERS;
}

/** An Ajax answer carrying a packed payload: 200, its content type, never cached. */
export function payloadResponse(payload: Packed): SenteResponse {
  return { status: 200, headers: payloadHeaders(payload), body: payload };
}

/** An Ajax answer with no payload (a parked poll ended by `closeUser`). */
export const NO_CONTENT: SenteResponse = Object.freeze({ status: 204, headers: Object.freeze({ 'cache-control': 'no-store' }), body: '' });

const ALLOW = Object.freeze({ allow: 'GET, POST' });
const WS_VERSION = Object.freeze({ 'sec-websocket-version': '13' });

/**
 * The answer to a request refused with `error`: its status from the error
 * table; the detail for client errors, the public message for server errors
 * (a detail may name internals).
 */
export function errorResponse(error: SenteError): SenteResponse {
  const status = error.status ?? 500;
  const headers = error.code === 'ERR_SENTE_BAD_METHOD' ? ALLOW : error.code === 'ERR_SENTE_BAD_UPGRADE' ? WS_VERSION : undefined;
  return textResponse(status, status >= 500 ? publicMessage(error) : error.message, headers);
}
