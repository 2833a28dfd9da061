import type { DecodedEnvelope, Envelope, EnvelopeExt, OutEvent, Packed, SenteError, TimerHandle } from '@sente/core';
import type { FallbackKit } from './lazy-ajax.js';
import { AJAX_WIRE } from './ajax-wire.js';
import { STATUS_HINTS, errorForStatus } from './status-errors.js';
import type { ResolvedOptions } from './options.js';
import type { FetchInit, FetchLike, ResponseLike } from './platform.js';
import type { ReplyCallback } from './reply-callbacks.js';
import type { CloseReason } from './state.js';
import type { Transport, TransportContext } from './transport.js';

/**
 * What {@link createAjaxTransport} reads off its context besides the
 * transport's: the client's resolved options (`ajaxTimeoutMs`: polls and
 * POSTs without a timeout of their own; `wsConnectTimeoutMs`: a handshake
 * poll, which a server answers at once, 0 for `ajaxTimeoutMs`), with `fetch`
 * (which the client checked it has) and the current `headers`.
 */
export type AjaxContext = TransportContext & Pick<ResolvedOptions, 'fetch' | 'ajaxTimeoutMs' | 'wsConnectTimeoutMs' | 'withCredentials' | 'headers'>;

/** One request in flight. */
interface InFlight {
  readonly controller: AbortController;
  /** When it started, epoch ms. */
  readonly at: number;
  timer: TimerHandle;
  /** Set when our own timeout aborted it. */
  timedOut: boolean;
}

interface Poll extends InFlight {
  /** It asks for a handshake. */
  readonly hs: boolean;
}

/** One event sent by POST, alone or in a batch, from its send to its outcome. */
interface PostItem {
  readonly envelope: Envelope;
  readonly packed: Packed;
  readonly cb: ReplyCallback | undefined;
  /** A credential refresh: sent alone; a refused one (401, 403) is the caller's answer, not the connection's end. */
  readonly refresh: boolean;
  /** Its own timeout, from the send on (queued, then in flight). */
  readonly timer: TimerHandle;
  settled: boolean;
  /** The POST carrying it, once sent. */
  post: Post | null;
}

/** A POST in flight: one event, or a batch of them, answered with their replies. */
interface Post {
  readonly controller: AbortController;
  readonly items: readonly PostItem[];
}

/**
 * With a server that takes batch POSTs, one POST is in flight at a time: the
 * sends made meanwhile wait and go together in the next, as soon as it is
 * answered. A send does not wait longer than this, though: then what waits
 * goes in another POST (at most one per wait), so that a slow reply does not
 * hold every send.
 */
const POST_WAIT_MS = 200;

/** How many microtasks after a POST's answer what its callbacks send may still join the next POST (`await` chains). */
const HOLD_HOPS = 4;

/** An error status, with the server's `Retry-After` when it sent one. */
type HttpError = SenteError & { retryAfter?: string | null | undefined };


/**
 * The Ajax channel socket (sente-protocol §3.6): a long-poll GET for pushes,
 * repolled as soon as it answers, and POSTs whose response is the reply: one
 * per send to a Sente server; to a server that offers batch POSTs
 * (`maxPostEvents`), one in flight, the sends made meanwhile going together
 * in the next (see the protocol reference).
 */
export function createAjaxTransport(ctx: AjaxContext, url: string, kit: FallbackKit): Transport {
  const fetch = ctx.fetch as FetchLike;
  // What the client's bundle has already, handed over (this chunk imports nothing of it at run time: see lazy-ajax.ts).
  const [
    AJAX_CB_MARKER,
    CHSK_TIMEOUT,
    EXT_VERSION,
    postBatchEnvelope,
    SenteError,
    WIRE_CLIENT_ID,
    decodeEnvelope,
    isHandshake,
    isCbError,
    isKeywordContent,
    keywordName,
    isSenteError,
    parseRetryAfter,
    retryDelay,
    connectionError,
    asSendable,
    createReconnector,
    callSafely,
    clientEnvelope,
    appParamsQuery,
    appendParam,
    withQuery,
    ,
    ,
    CHSK_ERROR,
    CHSK_REFRESH,
    WIRE_EXT,
    WIRE_POSITION,
  ] = kit;
  const GET_RESERVED = [AJAX_WIRE.udt, WIRE_CLIENT_ID, AJAX_WIRE.handshake, WIRE_EXT, WIRE_POSITION] as const;
  const POST_RESERVED = [AJAX_WIRE.udt, WIRE_CLIENT_ID, AJAX_WIRE.binary, AJAX_WIRE.ppstr, WIRE_EXT] as const;
  const EXT = String(EXT_VERSION);
  /** The body of a 2xx response; a rejected promise for any other status. */
  async function readBody(res: ResponseLike, binary: boolean): Promise<Packed> {
    if (!res.ok) {
      void res.body?.cancel().catch(() => {});
      const error: HttpError = new SenteError('ERR_SENTE_TRANSPORT', `The server answered ${res.status} to an Ajax request.`, { status: res.status });
      error.retryAfter = res.headers?.get('retry-after');
      throw error;
    }
    return binary ? new Uint8Array(await res.arrayBuffer()) : await res.text();
  }

  const { clock, state, packer } = ctx;
  let active = false;
  let poll: Poll | null = null;
  const posts = new Set<Post>();
  /** Sends waiting for a free POST (only with a server that takes batch POSTs). */
  const queued: PostItem[] = [];
  let waitTimer: TimerHandle | undefined;
  /** True while a POST's callbacks run, and a few microtasks after: what they send waits to go with the rest. */
  let holding = false;

  const reconnector = createReconnector(ctx, () => {
    if (active) startPoll();
  });

  const headers = (contentType: string | undefined): Record<string, string> => {
    const h: Record<string, string> = { ...ctx.headers() };
    const token = ctx.csrfToken();
    if (token !== undefined) h[AJAX_WIRE.csrfHeader] = token;
    if (contentType !== undefined) h['Content-Type'] = contentType;
    return h;
  };

  const request = (url: string, init: FetchInit): Promise<Packed> => {
    let res: Promise<ResponseLike>;
    try {
      res = fetch(url, ctx.withCredentials ? { ...init, credentials: 'include' } : init);
    } catch (error) {
      res = Promise.reject(error);
    }
    return res.then((r) => readBody(r, packer.binary));
  };

  const unpack = (packed: Packed): DecodedEnvelope => {
    const env = decodeEnvelope(packer.unpack(packed));
    if (env === undefined) throw new SenteError('ERR_SENTE_BAD_PACKAGE', 'The Ajax response is not a Sente envelope.');
    return env;
  };

  const pollFailed = (delayMs?: number): void => {
    state.close('unexpected');
    // A state listener may have disconnected us.
    if (active) reconnector.retry(delayMs);
  };

  const pollAnswered = (req: Poll, body: Packed): void => {
    if (poll !== req) return;
    clock.clearTimeout(req.timer);
    poll = null;
    let content: unknown;
    let env: DecodedEnvelope | undefined;
    try {
      env = unpack(body);
      content = env.content;
      if (!state.current.open && !isHandshake(content)) throw new Error('not a handshake');
    } catch (error) {
      // Before the handshake, an answer that is not one means another packer (or a proxy's page).
      if (!state.current.open) {
        if (ctx.report(connectionError('ERR_SENTE_PACKER_MISMATCH', undefined, error))) return;
      } else ctx.onError(error);
      pollFailed();
      return;
    }
    reconnector.reset();
    if (isHandshake(content)) ctx.handshake('ajax', content);
    else {
      state.update({ open: true });
      if (!isKeywordContent(content, CHSK_TIMEOUT)) ctx.receiveBatch(content, env?.ext);
    }
    // Handlers may have disconnected (or reconnected) meanwhile.
    if (active && poll === null) startPoll();
  };

  const pollRejected = (req: Poll, error: unknown): void => {
    if (poll !== req) return;
    clock.clearTimeout(req.timer);
    poll = null;
    // Our own timeout is no failure: the server simply had nothing to say. But
    // a server answers a handshake at once: then something holds the request.
    if (req.timedOut && !req.hs) {
      startPoll();
      return;
    }
    const status = isSenteError(error) ? error.status : undefined;
    // fetch rejects with a TypeError when nothing answers (refused, offline, DNS, CORS).
    const diagnosed = req.timedOut
      ? connectionError('ERR_SENTE_CONNECT_TIMEOUT')
      : status === undefined
        ? error instanceof TypeError
          ? connectionError('ERR_SENTE_UNREACHABLE', undefined, error, STATUS_HINTS.ERR_SENTE_UNREACHABLE)
          : undefined
        : errorForStatus(status, connectionError);
    if (diagnosed !== undefined && ctx.report(diagnosed)) return;
    // An overloaded or draining server says when to come back (503 + Retry-After).
    const hint = parseRetryAfter((error as HttpError | undefined)?.retryAfter);
    pollFailed(hint === undefined ? undefined : retryDelay(hint, ctx.random));
  };

  const startPoll = (): void => {
    let q = appParamsQuery(ctx.params(), GET_RESERVED);
    q = appendParam(q, AJAX_WIRE.udt, String(clock.now()));
    q = appendParam(q, WIRE_CLIENT_ID, ctx.clientId);
    const hs = !state.current.open;
    if (hs) q = appendParam(q, AJAX_WIRE.handshake, '1');
    q = appendParam(q, WIRE_EXT, EXT);
    const pos = ctx.position();
    if (pos !== undefined) q = appendParam(q, WIRE_POSITION, pos);
    const controller = new AbortController();
    const req: Poll = { hs, controller, at: clock.now(), timer: undefined, timedOut: false };
    req.timer = clock.setTimeout(() => {
      req.timedOut = true;
      controller.abort();
    }, hs && ctx.wsConnectTimeoutMs > 0 ? ctx.wsConnectTimeoutMs : ctx.ajaxTimeoutMs);
    poll = req;
    const init: FetchInit = { method: 'GET', headers: headers(undefined), signal: req.controller.signal, cache: 'no-store' };
    request(withQuery(url, q), init).then(
      (body) => pollAnswered(req, body),
      (error: unknown) => pollRejected(req, error),
    );
  };

  /** Gives `item` its outcome once; a POST all of whose events are settled is no longer waited for. */
  const settle = (item: PostItem, reply: unknown): void => {
    if (item.settled) return;
    item.settled = true;
    clock.clearTimeout(item.timer);
    const post = item.post;
    // Not sent yet: out of the queue (`>>> 0` turns "not there" into an index past the end).
    if (post === null) queued.splice(queued.indexOf(item) >>> 0, 1);
    else if (post.items.every((x) => x.settled) && posts.delete(post)) {
      post.controller.abort();
      sendQueued();
    }
    if (item.cb !== undefined) callSafely(item.cb, reply, ctx.onError);
  };

  const finish = (post: Post): boolean => posts.delete(post);

  const postAnswered = (post: Post, body: Packed): void => {
    if (!finish(post)) return;
    let reply: unknown;
    try {
      reply = unpack(body).content;
    } catch (error) {
      ctx.onError(error);
      reply = undefined;
    }
    holding = true;
    post.items.forEach((item, i) => {
      // A batch POST's answer is the vector of its events' replies; anything else fails them.
      let r = post.items.length < 2 ? reply : Array.isArray(reply) ? reply[i] : undefined;
      // Keyword packers give the server's `:chsk/timeout` as a keyword: callbacks always see strings.
      if (isCbError(r)) r = keywordName(r);
      settle(item, r === undefined ? CHSK_ERROR : r);
    });
    // What waited, with what the callbacks sent, goes in one POST: a request() gets its reply through
    // a promise, so what its caller sends on it comes a few microtasks later, and waits for them.
    let hops = HOLD_HOPS;
    const release = (): void => {
      if (--hops > 0) queueMicrotask(release);
      else {
        holding = false;
        sendQueued();
      }
    };
    queueMicrotask(release);
    if (reply === undefined) return;
    if (!active) return;
    state.update({ open: true });
    // The server answers again: do not wait out a backoff to resume the poll.
    if (poll === null && reconnector.waiting) {
      reconnector.cancel();
      reconnector.reset();
      startPoll();
    }
  };

  const postRejected = (post: Post, error: unknown): void => {
    if (!finish(post)) return;
    // An error status (413, 500…) proves the server reachable: the send failed,
    // not the connection, so unlike Sente the client stays open — except for a
    // refused credential (401, 403), which is terminal on a POST as on a poll.
    if (isSenteError(error) && error.status !== undefined) {
      const refused = error.status === 401 || error.status === 403 ? errorForStatus(error.status, connectionError) : undefined;
      if (refused !== undefined && (post.items[0] as PostItem).refresh) {
        settle(post.items[0] as PostItem, refused.code);
        sendQueued();
        return;
      }
      if (refused === undefined || !ctx.report(refused)) ctx.onError(error);
    } else if (active) state.close('unexpected');
    for (const item of post.items) settle(item, CHSK_ERROR);
    sendQueued();
  };

  /** POSTs `items`: one event as Sente's client does, several as a batch POST. */
  const post = (items: PostItem[]): void => {
    let packed = (items[0] as PostItem).packed;
    if (items.length > 1) {
      try {
        packed = ctx.pack(postBatchEnvelope(items.map((x) => x.envelope)) as unknown as Envelope);
      } catch {
        // Over the server's limit together though each was under it: one by one.
        for (const item of items) post([item]);
        return;
      }
    }
    let q = appParamsQuery(ctx.params(), POST_RESERVED);
    let body: string | Uint8Array<ArrayBuffer>;
    let contentType: string;
    if (typeof packed === 'string') {
      body = `${AJAX_WIRE.udt}=${clock.now()}&${WIRE_CLIENT_ID}=${encodeURIComponent(ctx.clientId)}&${AJAX_WIRE.ppstr}=${encodeURIComponent(packed)}`;
      contentType = AJAX_WIRE.formContentType;
    } else {
      q = appendParam(q, AJAX_WIRE.udt, String(clock.now()));
      q = appendParam(q, WIRE_CLIENT_ID, ctx.clientId);
      q = appendParam(q, AJAX_WIRE.binary, 'true');
      body = asSendable(packed) as Uint8Array<ArrayBuffer>;
      contentType = AJAX_WIRE.binaryContentType;
    }
    q = appendParam(q, WIRE_EXT, EXT);
    const p: Post = { controller: new AbortController(), items };
    for (const item of items) item.post = p;
    posts.add(p);
    const init: FetchInit = { method: 'POST', headers: headers(contentType), body, signal: p.controller.signal, cache: 'no-store' };
    request(withQuery(url, q), init).then(
      (resBody) => postAnswered(p, resBody),
      (error: unknown) => postRejected(p, error),
    );
  };

  /** The next POST's items: at most the server's count, a credential refresh alone (its answer is its own). */
  const take = (): PostItem[] => {
    // 1: Sente's one event per POST.
    const max = ctx.ext()?.maxPostEvents ?? 1;
    let n = 1;
    if (!(queued[0] as PostItem).refresh) while (n < max && n < queued.length && !(queued[n] as PostItem).refresh) n++;
    return queued.splice(0, n);
  };

  /** Sends what waits, in order, as batch POSTs. */
  const sendQueued = (waited?: boolean): void => {
    if (holding) return;
    // A batch over the byte limit goes one by one (see post).
    // A Sente server takes one event per POST: each goes at once, as Sente's client sends it.
    while (queued.length > 0 && (waited || posts.size === 0 || (ctx.ext()?.maxPostEvents ?? 1) < 2)) post(take());
    if (queued.length > 0 && waitTimer === undefined) {
      waitTimer = clock.setTimeout(() => {
        waitTimer = undefined;
        sendQueued(true);
      }, POST_WAIT_MS);
    }
  };

  const send = (event: OutEvent, cb: ReplyCallback | undefined, timeoutMs: number | undefined, ext?: EnvelopeExt): boolean => {
    const envelope = clientEnvelope(event, cb === undefined ? null : AJAX_CB_MARKER, ext);
    const packed = ctx.pack(envelope);
    const item: PostItem = {
      envelope,
      packed,
      cb,
      refresh: keywordName(event[0]) === CHSK_REFRESH,
      timer: clock.setTimeout(() => settle(item, CHSK_TIMEOUT), timeoutMs ?? ctx.ajaxTimeoutMs),
      settled: false,
      post: null,
    };
    queued.push(item);
    sendQueued();
    return true;
  };

  return {
    busy: () => posts.size > 0 || queued.length > 0,
    connect() {
      if (active) return;
      active = true;
      reconnector.reset();
      startPoll();
    },
    disconnect(reason: CloseReason | null, recordClose = false) {
      active = false;
      reconnector.cancel();
      const p = poll;
      poll = null;
      if (p !== null) {
        clock.clearTimeout(p.timer);
        p.controller.abort();
      }
      if (reason !== null) state.close(reason, undefined, recordClose);
      clock.clearTimeout(waitTimer);
      waitTimer = undefined;
      const pending = [...posts, { controller: new AbortController(), items: queued.splice(0) }];
      posts.clear();
      for (const p of pending) {
        p.controller.abort();
        for (const item of p.items) settle(item, CHSK_ERROR);
      }
    },
    send,
    breakConnection() {
      poll?.controller.abort();
    },
    kick() {
      if (!active || poll !== null || state.current.open) return;
      reconnector.cancel();
      reconnector.reset();
      startPoll();
    },
    checkHealth() {
      // A server answers a parked poll within its lpTimeoutMs (20 s by default):
      // one parked for over half our own timeout is likely dead (a sleeping
      // laptop, a changed network, a hidden tab's throttled timer). Poll anew.
      const p = poll;
      if (p === null || clock.now() - p.at <= ctx.ajaxTimeoutMs / 2) return;
      p.timedOut = true;
      p.controller.abort();
    },
  };
}
