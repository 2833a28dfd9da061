import { collectBody, parseQuery, requestSearch } from '@sente/core';
import type { SenteBody, SenteRequest, SessionOf } from '@sente/core';
import type { FastifyRequest } from 'fastify';

/**
 * The {@link SenteRequest} view of a fastify request: the session from
 * `request.session` (@fastify/session, @fastify/secure-session), the POST body
 * as the plugin's content type parser left it (the stream, unread; the core reads it).
 */
export function fastifyRequest(request: FastifyRequest): SenteRequest<FastifyRequest> {
  const session = (request as { session?: unknown }).session;
  return {
    method: request.method,
    websocket: request.ws,
    query: parseQuery(requestSearch(request.url)),
    headers: request.headers,
    remoteAddress: request.ip,
    ...(session === undefined ? {} : { session: session as SessionOf<FastifyRequest> }),
    ...(request.method === 'POST' ? { readBody: (limit: number) => bodyOf(request.body, limit) } : {}),
    raw: request,
  };
}

/** Reads the body stream (none for a POST without a body); a stream that breaks off rejects, and the core reports it as aborted. */
async function bodyOf(body: unknown, limit: number): Promise<SenteBody> {
  if (!isStream(body)) return new Uint8Array(0);
  return collectBody(body, limit);
}

function isStream(v: unknown): v is AsyncIterable<Uint8Array | string> {
  return typeof v === 'object' && v !== null && typeof (v as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function';
}
