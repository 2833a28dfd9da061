import { parseQuery, payloadTooLarge, requestSearch } from '@sente/core';
import type { SenteBody, SenteRequest } from '@sente/core';
import type { FastifyRequest } from 'fastify';

/**
 * The {@link SenteRequest} view of a fastify request: the session from
 * `request.session` (@fastify/session, @fastify/secure-session), the POST body
 * as the plugin's content type parser left it (raw bytes; the core reads the form).
 */
export function fastifyRequest(request: FastifyRequest): SenteRequest<FastifyRequest> {
  const session = (request as { session?: unknown }).session;
  return {
    method: request.method,
    websocket: request.ws,
    query: parseQuery(requestSearch(request.url)),
    headers: request.headers,
    ...(session === undefined ? {} : { session }),
    ...(request.method === 'POST' ? { readBody: async (limit: number) => bodyOf(request.body, limit) } : {}),
    raw: request,
  };
}

function bodyOf(body: unknown, limit: number): SenteBody {
  if (!(body instanceof Uint8Array)) return new Uint8Array(0);
  if (body.byteLength > limit) throw payloadTooLarge(limit);
  return body;
}
