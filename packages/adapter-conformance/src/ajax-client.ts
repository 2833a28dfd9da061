import { isHandshake, randomId } from '@sente/core';
import type { Packed, SenteEvent } from '@sente/core';
import { until } from './wait.js';
import type { Wire } from './wire.js';

/** Options of a {@link RawAjaxClient}. */
export interface RawAjaxOptions {
  /** The client id; `null` leaves it out. @default a random id */
  clientId?: string | null | undefined;
  /** Sent as the `X-CSRF-Token` header, as Sente's client does on Ajax. */
  csrfToken?: string | undefined;
  /** App params, first in the query of GETs (the suite's `userId` reads `uid`). */
  params?: Readonly<Record<string, string>> | undefined;
  /** Extra headers on every request (e.g. `origin`). */
  headers?: Readonly<Record<string, string>> | undefined;
}

/** An HTTP answer. */
export interface HttpAnswer {
  readonly status: number;
  /** A 200 answer's body as the packer reads it (bytes for a binary packer); other bodies as text. */
  readonly body: Packed;
  /** The body as text. */
  readonly text: string;
  /** The response headers. */
  readonly headers: Headers;
}

/** What a POST sends: a packed payload in Sente's form (text) or raw-body (binary) layout, or anything else. */
export interface RawPost {
  /** Query parameters of the POST URL. */
  readonly query?: Readonly<Record<string, string>> | undefined;
  readonly body: string | Uint8Array;
  readonly contentType: string;
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/**
 * A protocol-level Ajax client on `fetch`: handshake and long-poll GETs and
 * event POSTs exactly as Sente 1.21's client sends them, one request at a
 * time, so the suite sees each status and body.
 */
export class RawAjaxClient {
  readonly clientId: string | null;
  /** Push batches received by {@link startPolling}'s loop, in order. */
  readonly batches: SenteEvent[][] = [];
  /** How many `chsk/timeout` answers the poll loop got. */
  timeouts = 0;
  /**
   * How many polls of the loop were answered with a handshake: the server had
   * forgotten this client (its grace period ran out between two polls), and
   * the loop polls on, as Sente's client does.
   */
  handshakes = 0;
  private readonly inFlight = new Set<AbortController>();
  private cursor = 0;
  private loop: Promise<void> | undefined;
  private polling = false;

  constructor(
    readonly base: string,
    readonly wire: Wire,
    readonly options: RawAjaxOptions = {},
  ) {
    this.clientId = options.clientId === null ? null : (options.clientId ?? randomId(12));
  }

  /** A GET: the handshake (`handshake?=1`) or a long-poll. */
  get(init: { handshake?: boolean; headers?: Readonly<Record<string, string>> } = {}): Promise<HttpAnswer> {
    const q = new URLSearchParams(this.options.params);
    q.set('udt', String(Date.now()));
    if (this.clientId !== null) q.set('client-id', this.clientId);
    if (init.handshake) q.set('handshake?', '1');
    return this.request('GET', `${this.base}?${q.toString()}`, undefined, init.headers);
  }

  /** The handshake GET; fails unless answered 200. */
  async handshake(): Promise<HttpAnswer> {
    return ok(await this.get({ handshake: true }), 'handshake');
  }

  /** One long-poll GET; fails unless answered 200. */
  async poll(): Promise<HttpAnswer> {
    return ok(await this.get(), 'poll');
  }

  /** POSTs an event: with the `:ajax` cb marker when a reply is wanted. */
  post(event: SenteEvent, init: { reply?: boolean; headers?: Readonly<Record<string, string>> } = {}): Promise<HttpAnswer> {
    return this.postPayload(this.wire.event(event, init.reply ? 'ajax' : null), init.headers);
  }

  /**
   * POSTs a packed payload in Sente 1.21's layout: for a text packer a form
   * (`udt`, `client-id`, `ppstr`); for a binary one the raw bytes, with
   * `udt`, `client-id` and `binary?=true` in the query.
   */
  postPayload(payload: Packed, headers?: Readonly<Record<string, string>>): Promise<HttpAnswer> {
    const fields: Record<string, string> = { udt: String(Date.now()) };
    if (this.clientId !== null) fields['client-id'] = this.clientId;
    if (typeof payload === 'string') {
      return this.postRaw({
        body: new URLSearchParams({ ...fields, ppstr: payload }).toString(),
        contentType: 'application/x-www-form-urlencoded;charset=UTF-8',
        headers,
      });
    }
    return this.postRaw({ query: { ...fields, 'binary?': 'true' }, body: payload, contentType: 'application/octet-stream', headers });
  }

  /** POSTs anything (for bad input). */
  postRaw(post: RawPost): Promise<HttpAnswer> {
    const q = post.query ? `?${new URLSearchParams(post.query).toString()}` : '';
    return this.request('POST', this.base + q, post.body, { 'content-type': post.contentType, ...post.headers });
  }

  /** Starts a client-like poll loop: poll, record the answer, poll again, until {@link stopPolling}. */
  startPolling(): void {
    this.polling = true;
    this.loop ??= (async () => {
      while (this.polling) {
        let a: HttpAnswer;
        try {
          a = await this.get();
        } catch {
          break; // aborted
        }
        if (a.status !== 200) break;
        if (this.wire.isKeyword(a.body, 'chsk/timeout')) this.timeouts++;
        else if (isHandshake(this.wire.decode(a.body).content)) this.handshakes++;
        else this.batches.push(this.wire.pushedEvents(a.body));
      }
      this.loop = undefined;
    })();
  }

  /**
   * Stops the poll loop: by default at once, aborting the parked poll (a
   * closed tab); with `abort: false` once the parked poll is answered (a
   * client that stops polling).
   */
  async stopPolling(options: { abort?: boolean } = {}): Promise<void> {
    this.polling = false;
    if (options.abort ?? true) this.abort();
    await this.loop;
  }

  /** Waits for the poll loop's next unread push batch. */
  async nextPush(): Promise<SenteEvent[]> {
    const i = this.cursor;
    const b = await until(() => this.batches[i], 'a push batch on the poll loop');
    this.cursor = i + 1;
    return b;
  }

  /** Aborts every request in flight (a parked poll, a POST waiting for its reply). */
  abort(): void {
    for (const c of this.inFlight) c.abort();
    this.inFlight.clear();
  }

  private async request(method: 'GET' | 'POST', url: string, body: string | Uint8Array | undefined, headers?: Readonly<Record<string, string>>): Promise<HttpAnswer> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    try {
      const res = await fetch(url, {
        method,
        signal: controller.signal,
        headers: {
          // No keep-alive: every request's socket closes with it, so the suite can count sockets.
          connection: 'close',
          ...(this.options.csrfToken === undefined ? {} : { 'x-csrf-token': this.options.csrfToken }),
          ...this.options.headers,
          ...headers,
        },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : new Uint8Array(body) }),
      });
      const bytes = new Uint8Array(await res.arrayBuffer());
      const text = new TextDecoder().decode(bytes);
      return { status: res.status, body: res.status === 200 && this.wire.packer.binary ? bytes : text, text, headers: res.headers };
    } finally {
      this.inFlight.delete(controller);
    }
  }
}

function ok(a: HttpAnswer, what: string): HttpAnswer {
  if (a.status !== 200) throw new Error(`The ${what} was answered ${a.status}: ${a.text}`);
  return a;
}
