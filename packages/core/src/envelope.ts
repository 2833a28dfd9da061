import { AJAX_CB_MARKER, CHSK_DUMMY_CB_200, CHSK_HANDSHAKE, CHSK_TIMEOUT, CHSK_WS_PING, CHSK_WS_PONG, NIL_UID, PONG } from './ids.js';
import { Keyword, keywordName } from './keyword.js';
import type { OutEvent, WireEvent } from './event.js';

/**
 * Sente 1.21's envelope: every payload, both directions, both transports, is
 * `[content, cbId | null]`.
 */
export type Envelope = readonly [content: unknown, cbId: unknown];

/** A decoded envelope. `cbId` is `null` when no reply is wanted. */
export interface DecodedEnvelope {
  readonly content: unknown;
  /** A WebSocket cb-id, {@link AJAX_CB_MARKER} for an Ajax reply, or `null`. */
  readonly cbId: string | null;
  /**
   * This library's extensions of the envelope, a 3rd element that only peers
   * which negotiated them send: see {@link EnvelopeExt}.
   */
  readonly ext?: EnvelopeExt | undefined;
}

/**
 * The 3rd element of an envelope between peers that negotiated this
 * library's extensions (`sente-ext`); Clojure Sente peers never see one.
 */
export interface EnvelopeExt {
  /** A push batch: the epoch of the uid's log. */
  readonly e?: string | undefined;
  /** A push batch: the offset of each event in the uid's log (`null` for an event logged nowhere). */
  readonly o?: readonly (number | null)[] | undefined;
  /** A client event: its message id, the same on every retry, so that it is handled once. */
  readonly m?: string | undefined;
  /**
   * A client event, now and then, to a server whose handshake said `acks`:
   * the first of the client's own message ids (its numbering: a prefix,
   * then a counter) still waiting for a reply. It got the replies of every
   * earlier one, and will not retry them: the server forgets those replies,
   * and keeps the ids (a late duplicate is still not handled again).
   */
  readonly a?: string | undefined;
  /** A server→client request: its id. */
  readonly q?: string | undefined;
  /** A client's answer to a server→client request: the request's id. */
  readonly r?: string | undefined;
  /** W3C trace context: the `traceparent` of a client event, or of the server's reply to it. */
  readonly t?: string | undefined;
  /** W3C trace context: the `tracestate` that goes with {@link t}. */
  readonly s?: string | undefined;
  /**
   * A batch POST: the number of client envelopes in its content (each
   * `[event cbId ext?]`), answered with the vector of their replies. Read
   * by the server only (`post-batch.ts`).
   */
  readonly b?: number | undefined;
}

// Pure: a bundle that uses none of them (a browser client's) leaves them out.
const K_HANDSHAKE = /* @__PURE__ */ Keyword.for(CHSK_HANDSHAKE);
const K_PING = /* @__PURE__ */ Keyword.for(CHSK_WS_PING);
const K_PONG = /* @__PURE__ */ Keyword.for(CHSK_WS_PONG);
const K_TIMEOUT = /* @__PURE__ */ Keyword.for(CHSK_TIMEOUT);
const K_DUMMY = /* @__PURE__ */ Keyword.for(CHSK_DUMMY_CB_200);
const K_AJAX = /* @__PURE__ */ Keyword.for(AJAX_CB_MARKER);
const K_NIL_UID = /* @__PURE__ */ Keyword.for(NIL_UID);

/** The envelopes whose content never changes, ready to be packed once. */
export const envelopes = {
  /** Server → client keep-alive ping. */
  wsPing: [K_PING, null] as Envelope,
  /** Client → server answer to a server ping. */
  wsPong: [[K_PONG], null] as Envelope,
  /** Answer to a long-poll that timed out, and to a POST whose reply timed out. */
  timeout: [K_TIMEOUT, null] as Envelope,
  /** Answer to a POST that wants no reply. */
  dummyCb200: [K_DUMMY, null] as Envelope,
} as const;

/**
 * The handshake envelope: `[[chsk/handshake [uid nil handshakeData]] nil]`, with
 * this library's extensions as a 4th element for a client that asked for them.
 */
export function handshakeEnvelope(uid: string, handshakeData: unknown, ext?: Readonly<Record<string, unknown>>): Envelope {
  // The second slot once carried the CSRF token (the CVE-2019-1000022 leak): it stays null.
  const wireUid = uid === NIL_UID ? K_NIL_UID : uid;
  const body = ext === undefined ? [wireUid, null, handshakeData ?? null] : [wireUid, null, handshakeData ?? null, ext];
  return [[K_HANDSHAKE, body], null];
}

/** A push batch: `[[ev1 ev2 …] nil]`, always a vector even for one event. */
export function batchEnvelope(events: readonly WireEvent[]): Envelope {
  return [events, null];
}

/** A push batch with the positions of its events in the uid's log: `[[ev1 ev2 …] nil {e epoch, o [o1 o2 …]}]`. */
export function positionedBatchEnvelope(events: readonly WireEvent[], epoch: string, offsets: readonly (number | null)[]): readonly [unknown, null, EnvelopeExt] {
  return [events, null, { e: epoch, o: offsets }];
}

/** A server→client request: `[[id data] nil {q requestId}]`, with the server's trace context (`t`, `s`) when it has one. */
export function requestEnvelope(event: WireEvent, id: string, trace?: EnvelopeExt): readonly [unknown, null, EnvelopeExt] {
  return [event, null, trace === undefined ? { q: id } : { q: id, ...trace }];
}

/** A client's answer to a server→client request: `[value nil {r requestId}]`. */
export function answerEnvelope(value: unknown, id: string): readonly [unknown, null, EnvelopeExt] {
  return [value === undefined ? null : value, null, { r: id }];
}

/**
 * A reply: `[value cbId]` on WebSocket, `[value nil]` as an Ajax POST
 * response; with the server's trace context, `[value cbId {t traceparent}]`,
 * for a request that came with one.
 */
export function replyEnvelope(value: unknown, cbId: string | null, ext?: EnvelopeExt): Envelope {
  const v = value === undefined ? null : value;
  return ext === undefined ? [v, cbId] : ([v, cbId, ext] as unknown as Envelope);
}

/** The server's answer to a client ping: `["pong" cbId]`. */
export function pongEnvelope(cbId: string): Envelope {
  return [PONG, cbId];
}

/** A batch POST of client envelopes: `[[env1 env2 …] nil {b n}]`. */
export function postBatchEnvelope(items: readonly unknown[]): readonly [unknown, null, EnvelopeExt] {
  return [items, null, { b: items.length }];
}

/** The answer to a batch POST: `[[reply1 reply2 …] nil]`, each as a one-event POST's content would be. */
export function postBatchReplyEnvelope(values: readonly unknown[]): Envelope {
  return [values, null];
}

/**
 * A client event, `[event cbId|nil]`; Ajax requests for a reply use the
 * `:ajax` marker. With `ext` (a message id, trace context; or `r`: then
 * `event` is the answer to a server→client request), `[event cbId|nil ext]`
 * for a peer of the extensions. An event with a string id is for a packer
 * that writes keywords as names (see {@link eventsFor}).
 */
export function eventEnvelope(event: OutEvent, cbId: string | null, ext?: EnvelopeExt): Envelope {
  const slot = cbId === AJAX_CB_MARKER ? K_AJAX : cbId;
  // Sente's Envelope type has 2 elements; a peer of the extensions reads a 3rd.
  return ext === undefined ? [event, slot] : ([event, slot, ext] as unknown as Envelope);
}

/**
 * Reads an unpacked payload as an envelope; `undefined` when it is not one.
 * Tolerant of every Sente version since 1.18: a 1-element form reads as no
 * cb-id, and any truthy cb slot (`:ajax`, `"ajax"`, 1.18's `0`) means a reply is
 * wanted.
 */
export function decodeEnvelope(v: unknown): DecodedEnvelope | undefined {
  if (!Array.isArray(v) || v.length < 1 || v.length > 3) return undefined;
  const slot: unknown = v[1];
  let cbId: string | null;
  if (slot === undefined || slot === null || slot === false) cbId = null;
  else if (slot === 0 || slot === K_AJAX) cbId = AJAX_CB_MARKER;
  else if (typeof slot === 'string' && slot.length > 0 && slot.length <= 64) cbId = slot;
  else return undefined;
  if (v.length < 3) return { content: v[0], cbId };
  const ext = readEnvelopeExt(v[2]);
  return ext === undefined ? undefined : { content: v[0], cbId, ext };
}

/** Reads an envelope's 3rd element: a map of short fields, each checked; undefined when malformed. */
function readEnvelopeExt(v: unknown): EnvelopeExt | undefined {
  const out: MutableExt = {};
  if (v instanceof Map) {
    for (const k of EXT_FIELDS) if (!readExtField(out, k, v.get(k) ?? v.get(Keyword.for(k)))) return undefined;
    return out;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  // A plain object (JSON, MessagePack): only the keys it has are looked at, usually one.
  for (const k in v) {
    if (Object.hasOwn(v, k) && !readExtField(out, k, (v as Record<string, unknown>)[k])) return undefined;
  }
  return out;
}

type MutableExt = { -readonly [K in keyof EnvelopeExt]: EnvelopeExt[K] };

/** The fields {@link readEnvelopeExt} reads (`b` is the batch POST's, read by its own reader). */
const EXT_FIELDS = ['e', 'm', 'a', 'q', 'r', 't', 's', 'o'] as const;

/** Checks one field into `out`: `false` when it is malformed; an unknown field or a null is passed over. */
function readExtField(out: MutableExt, k: string, x: unknown): boolean {
  if (x === undefined || x === null) return true;
  switch (k) {
    case 'e':
    case 'm':
    case 'a':
    case 'q':
    case 'r':
    case 't':
      if (typeof x !== 'string' || x.length === 0 || x.length > 64) return false;
      // The message id, on nearly every event of a client of the extensions, is stored by name:
      // a store keyed by a variable is megamorphic (some 300 instructions).
      if (k === 'm') out.m = x;
      else out[k] = x;
      return true;
    case 's':
      if (typeof x !== 'string' || x.length > 512) return false;
      out.s = x;
      return true;
    case 'o':
      if (!Array.isArray(x) || !x.every((n) => n === null || (Number.isSafeInteger(n) && (n as number) > 0))) return false;
      out.o = x as (number | null)[];
      return true;
    default:
      return true;
  }
}

/** True when `content` is the keyword (or, from keyword-less packers, the string) `name`. */
export function isKeywordContent(content: unknown, name: string): boolean {
  return keywordName(content) === name;
}
