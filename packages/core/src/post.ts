import { CHSK, WIRE } from './ids.js';
import { asSenteError, senteError } from './errors.js';
import { overLimit, payloadTooLarge } from './body.js';
import { parseQuery } from './request.js';
import { decodeEnvelope } from './envelope.js';
import { fromWireEvent } from './event.js';
import { inTraceOf } from './trace.js';
import { errorResponse, payloadResponse } from './responses.js';
import { badPackage, clientEvent } from './inbound.js';
import { answerPostBatch, postBatchCount, readPostBatch } from './post-batch.js';
import type { HttpExchange } from './adapter.js';
import type { AjaxReplies } from './ajax-replies.js';
import type { SenteEvent } from './event.js';
import type { EnvelopeExt } from './envelope.js';
import type { Hub } from './hub.js';
import type { ErrorContext } from './options.js';
import type { Packed } from './packer.js';
import type { SenteRequest } from './request.js';

/** What an Ajax POST carries. */
export interface Post {
  readonly clientId: string | undefined;
  readonly payload: Packed;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a POST: a form with `client-id` and `ppstr` (text packers), or raw
 * bytes with `binary?` (binary ones). Throws `ERR_SENTE_BAD_PACKAGE`,
 * `ERR_SENTE_PAYLOAD_TOO_LARGE`, or `ERR_SENTE_ABORTED` when the client left
 * while the body was read.
 */
export async function readPost(req: SenteRequest, limit: number): Promise<Post> {
  if (req.readBody === undefined) throw senteError('ERR_SENTE_BAD_PACKAGE', 'Bad package: no body');
  const binary = req.query[WIRE.binary] !== undefined;
  let body;
  try {
    // The limit is on the payload: a form's URL-encoding takes up to 3 bytes per payload byte.
    body = await req.readBody(binary ? limit : limit * 3 + 1024);
  } catch (e) {
    const err = asSenteError(e, 'ERR_SENTE_ABORTED');
    throw err.code === 'ERR_SENTE_PAYLOAD_TOO_LARGE' ? payloadTooLarge(limit) : err;
  }
  if (binary) {
    if (typeof body === 'object' && !(body instanceof Uint8Array)) {
      throw senteError('ERR_SENTE_BAD_PACKAGE', 'Bad package: a binary POST needs a raw body');
    }
    return { clientId: req.query[WIRE.clientId], payload: typeof body === 'string' ? new TextEncoder().encode(body) : body };
  }
  let fields: Readonly<Record<string, unknown>>;
  if (typeof body === 'string') fields = parseQuery(body);
  else if (body instanceof Uint8Array) {
    try {
      fields = parseQuery(utf8.decode(body));
    } catch (cause) {
      throw senteError('ERR_SENTE_BAD_PACKAGE', 'Bad package: the form is not UTF-8', cause);
    }
  } else fields = body;
  const ppstr = fields[WIRE.ppstr];
  if (typeof ppstr !== 'string') throw senteError('ERR_SENTE_BAD_PACKAGE', 'Bad package: no ppstr');
  if (overLimit(ppstr, limit)) throw payloadTooLarge(limit);
  const cid = fields[WIRE.clientId];
  return { clientId: typeof cid === 'string' ? cid : req.query[WIRE.clientId], payload: ppstr };
}

/**
 * Answers a POST's payload: a bad one 400; an event that wants no reply at
 * once (`chsk/dummy-cb-200`), then hands it to `dispatch`; one that wants a
 * reply waits for it (see {@link AjaxReplies}).
 */
export function answerPost(
  hub: Hub,
  replies: AjaxReplies,
  exchange: HttpExchange,
  body: Packed,
  dispatch: (event: SenteEvent, reply: ((value: unknown) => boolean) | undefined, ext: EnvelopeExt | undefined) => void,
  answer: (id: string, value: unknown) => void,
  context: ErrorContext,
  refresh?: (data: unknown, reply: ((value: unknown) => boolean) | undefined) => void,
): void {
  let env;
  let raw: unknown;
  try {
    raw = hub.packer.unpack(body);
    env = decodeEnvelope(raw);
  } catch (e) {
    env = badPackage(e);
  }
  if (env === undefined) env = senteError('ERR_SENTE_BAD_PACKAGE', 'Bad package: not a Sente envelope');
  if (env instanceof Error) {
    hub.report(env, context);
    exchange.respond(errorResponse(env));
    return;
  }
  const count = env.ext === undefined ? undefined : postBatchCount((raw as unknown[])[2]);
  if (count !== undefined) {
    const items = readPostBatch(env.content, count);
    if (items instanceof Error) {
      hub.report(items, context);
      exchange.respond(errorResponse(items));
      return;
    }
    return answerPostBatch(replies, exchange, items, dispatch, answer);
  }
  if (env.ext?.r !== undefined) {
    exchange.respond(payloadResponse(hub.packed.dummy));
    return answer(env.ext.r, env.content);
  }
  const wire = fromWireEvent(env.content);
  if (refresh !== undefined && wire !== undefined && wire[0] === CHSK.refresh) {
    if (env.cbId !== null) return replies.open(exchange, false, (reply) => refresh(wire[1], reply));
    exchange.respond(payloadResponse(hub.packed.dummy));
    return refresh(wire[1], undefined);
  }
  const event = clientEvent(wire, env.content);
  const ext = env.ext;
  // A client's trace context: the handlers run in it, and the reply carries the server's back.
  if (ext?.t !== undefined) return inTraceOf(ext, () => deliver(hub, replies, exchange, event, env.cbId, ext, dispatch));
  deliver(hub, replies, exchange, event, env.cbId, ext, dispatch);
}

/** Hands a POST's event to `dispatch`: with the reply function when it wants one, else answered at once. */
function deliver(
  hub: Hub,
  replies: AjaxReplies,
  exchange: HttpExchange,
  event: SenteEvent,
  cbId: string | null,
  ext: EnvelopeExt | undefined,
  dispatch: (event: SenteEvent, reply: ((value: unknown) => boolean) | undefined, ext: EnvelopeExt | undefined) => void,
): void {
  if (cbId !== null) return replies.open(exchange, ext?.t !== undefined, (reply) => dispatch(event, reply, ext));
  exchange.respond(payloadResponse(hub.packed.dummy));
  dispatch(event, undefined, ext);
}
