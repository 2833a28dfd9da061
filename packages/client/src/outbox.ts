import { SenteError, eventEnvelope, fromWireEvent, randomId } from '@sente/core';
import { CHSK_CLOSED, CHSK_ERROR, CHSK_TIMEOUT } from '@sente/core/internal';
import type { Clock, Envelope, EnvelopeExt, OutEvent, Packed, SenteEvent, TimerHandle } from '@sente/core';
import type { TraceContext } from './options.js';
import { byteLength } from './payload-size.js';
import { callSafely } from './reply-callbacks.js';
import type { ReplyCallback } from './reply-callbacks.js';
import type { Transport } from './transport.js';

/** What an {@link Outbox} needs from its client. */
export interface OutboxContext {
  readonly clock: Clock;
  /** The most sends that wait (option `outbox.maxEvents`). */
  readonly outboxMaxEvents: number;
  /** The most bytes that wait, packed (option `outbox.maxBytes`). */
  readonly outboxMaxBytes: number;
  onError(error: unknown): void;
  /** Packs an envelope, checking the payload limits (throws `ERR_SENTE_PAYLOAD_TOO_LARGE`). */
  pack(envelope: Envelope): Packed;
  /** The transport, when the client is open; else `null`. */
  open(): Transport | null;
  /** Defined when the server negotiated the extensions (its handshake's): sends get message ids and are retried; with `acks`, it is told which replies came. */
  ext(): { readonly acks?: unknown } | undefined;
  /** True once `disconnect()` or a refusal stopped the client. */
  stopped(): boolean;
  /** The trace context of a send (`traceContext` option). */
  readonly traceContext?: ((event: SenteEvent) => TraceContext | undefined) | undefined;
}

/** One send: an event (or, with `r`, the answer to a server→client request). */
interface Entry {
  readonly seq: number;
  readonly wire: OutEvent;
  readonly cb: ReplyCallback | undefined;
  readonly deadline: number | undefined;
  readonly r: string | undefined;
  /** The message id the sender chose, if any. */
  readonly id: string | undefined;
  /** The message id: set at the first send to a server of the extensions, the same on every retry. */
  m: string | undefined;
  /** Its packed size while it waits in the queue. */
  bytes: number;
  /** Its timeout while it waits in the queue. */
  timer: TimerHandle | undefined;
}

/**
 * The client's outbox (issue 8): sends made while the client is not open
 * (before its first handshake, while it reconnects) wait here, in order,
 * bounded by count and bytes, each with its timeout running, and go out when
 * it opens. With a server of the extensions, a send whose connection died
 * before its reply comes back here with its message id, so that the retry is
 * handled once and gets the first reply.
 */
export interface Outbox {
  /**
   * Sends now, or queues; `false` when the client is stopped (`cb` got `'chsk/closed'`), a `SenteError` on overflow.
   * `m`: the message id to use with a server of the extensions (a tab's send relayed by the tab that holds a shared connection).
   */
  submit(wire: OutEvent, cb: ReplyCallback | undefined, timeoutMs: number | undefined, r?: string, m?: string): boolean | SenteError;
  /** Sends what waits, in order, while the client is open. */
  flush(): void;
  /** Gives every waiting send `outcome`, and forgets them. */
  fail(outcome: string): void;
}

/** Creates the outbox of a client. */
export function createOutbox(ctx: OutboxContext): Outbox {
  const { clock } = ctx;
  const queue: Entry[] = [];
  let bytes = 0;
  let seq = 0;
  /**
   * Message ids: this prefix, random per client, and the send's `seq`, unique without drawing per send.
   * It ends with a dash: a server finds where the number starts (a prefix that ended in a digit would
   * seem to it to take the number's first digit, and each power of ten to break the count).
   */
  const mPrefix = randomId(11) + '-';
  /**
   * The `seq` of each send with a message id of this client's numbering that
   * waits for its reply (or for its retry), in the order they first went out:
   * the first is the lowest (a retry keeps its place).
   */
  const awaiting: number[] = [];
  /** The first message id still waiting for a reply that the server was last told of (`a`). */
  let acked = 0;

  /** `e` has its outcome: it waits for no reply any more. */
  const settled = (e: Entry): void => {
    // Replies mostly come in order: the first, at once.
    const i = awaiting[0] === e.seq ? 0 : awaiting.indexOf(e.seq);
    if (i === 0) awaiting.shift();
    else if (i > 0) awaiting.splice(i, 1);
  };

  const remove = (e: Entry): void => {
    const i = queue.indexOf(e);
    if (i >= 0) queue.splice(i, 1);
    bytes -= e.bytes;
    if (e.timer !== undefined) clock.clearTimeout(e.timer);
  };

  /** Queues `e` in send order (a retry goes before what was sent after it). */
  const enqueue = (e: Entry): void => {
    const p = ctx.pack(eventEnvelope(e.wire, null));
    e.bytes = byteLength(p);
    bytes += e.bytes;
    let i = queue.length;
    while (i > 0 && (queue[i - 1] as Entry).seq > e.seq) i--;
    queue.splice(i, 0, e);
    if (e.deadline !== undefined) {
      e.timer = clock.setTimeout(() => {
        remove(e);
        settled(e);
        if (e.cb !== undefined) callSafely(e.cb, CHSK_TIMEOUT, ctx.onError);
      }, e.deadline - clock.now());
    }
  };

  /** Whether `e`, sent to a server of the extensions, goes back in the queue: past its deadline (never, without one: undefined <= n is false) it does not. */
  const retry = (e: Entry): boolean => e.m !== undefined && !ctx.stopped() && ctx.open() === null && !((e.deadline as number) <= clock.now());

  /** Sends `e` on `t`; `left`, what is left of its timeout (a deadline is never 0 but on a fake clock at 0, where this gives 0 too). */
  const dispatch = (t: Transport, e: Entry, left = e.deadline && Math.max(0, e.deadline - clock.now())): boolean => {
    const server = ctx.ext();
    if (e.m === undefined && e.r === undefined && server) e.m = e.id ?? mPrefix + e.seq;
    let ext: EnvelopeExt | undefined = e.r !== undefined ? { r: e.r } : e.m !== undefined ? { m: e.m } : undefined;
    // A request of this client's numbering: now and then, the server hears which replies came, and lets them go.
    if (e.m !== undefined && e.id === undefined && e.cb !== undefined) {
      // A retry keeps its place.
      if (!awaiting.includes(e.seq)) awaiting.push(e.seq);
      const first = awaiting[0] as number;
      if (first - acked >= ACK_EVERY && server?.acks === true) ext = { m: e.m, a: mPrefix + (acked = first) };
    }
    const tc = e.m !== undefined && ctx.traceContext ? ctx.traceContext(fromWireEvent(e.wire) as SenteEvent) : undefined;
    if (tc) ext = { ...ext, t: tc.traceparent, ...(tc.tracestate ? { s: tc.tracestate } : {}) };
    const cb =
      e.cb &&
      ((reply: unknown): void => {
        // The connection died before the reply: the server will handle the retry once.
        if (reply === CHSK_ERROR && retry(e)) enqueue(e);
        else {
          settled(e);
          callSafely(e.cb as ReplyCallback, reply, ctx.onError);
        }
      });
    let sent: boolean;
    try {
      sent = t.send(e.wire, cb, left, ext);
    } catch (error) {
      // Refused before it went (over a payload limit): it waits for nothing.
      settled(e);
      throw error;
    }
    if (!sent && e.cb === undefined && retry(e)) enqueue(e);
    return sent;
  };

  const flush = (): void => {
    let t: Transport | null;
    while (queue.length > 0 && (t = ctx.open()) !== null) {
      const e = queue[0] as Entry;
      remove(e);
      try {
        dispatch(t, e);
      } catch (error) {
        // Over the server's own limit, which only its handshake told.
        ctx.onError(error);
        if (e.cb !== undefined) callSafely(e.cb, CHSK_ERROR, ctx.onError);
      }
    }
  };

  return {
    submit(wire, cb, timeoutMs, r, m) {
      if (ctx.stopped()) {
        if (cb !== undefined) callSafely(cb, CHSK_CLOSED, ctx.onError);
        return false;
      }
      // Every field from the start: one shape for all entries, and no property added per send.
      const e: Entry = { seq: seq++, wire, cb, deadline: timeoutMs === undefined ? undefined : clock.now() + timeoutMs, r, id: m, m: undefined, bytes: 0, timer: undefined };
      const t = ctx.open();
      // Sent at once, all of its timeout is left: no second clock read.
      if (t !== null && queue.length === 0) return dispatch(t, e, timeoutMs);
      if (queue.length >= ctx.outboxMaxEvents) return overflow(`${ctx.outboxMaxEvents} sends`);
      enqueue(e);
      if (bytes > ctx.outboxMaxBytes) {
        remove(e);
        return overflow(`${ctx.outboxMaxBytes} bytes`);
      }
      return true;
    },
    flush,
    fail(outcome) {
      for (const e of queue.splice(0)) {
        settled(e);
        if (e.timer !== undefined) clock.clearTimeout(e.timer);
        if (e.cb !== undefined) callSafely(e.cb, outcome, ctx.onError);
      }
      bytes = 0;
    },
  };
}

/**
 * How many replies come between two `a`s (see `EnvelopeExt`): the server
 * lets a reply go within that many requests, and an `a` costs a few bytes
 * on one request in so many.
 */
const ACK_EVERY = 32;

const overflow = (what: string): SenteError =>
  new SenteError('ERR_SENTE_QUEUE_OVERFLOW', `Not sent: the outbox is full (${what}).`);
