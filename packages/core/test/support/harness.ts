import { collectBody, createSenteServer } from '../../src/index.js';
import type {
  ErrorContext,
  Packed,
  SenteBody,
  SenteError,
  SenteHeaders,
  SenteRequest,
  SenteServer,
  SenteServerOptions,
  ServerEventMsg,
} from '../../src/index.js';
import { FakeAdapter } from './fake-adapter.js';
import type { FakeChannel } from './fake-adapter.js';
import { FakeClock, settle } from '../../src/internal.js';
import { jsonPacker } from './packers.js';

/** What a test request is made of; everything optional. */
export interface RequestInit {
  method?: string;
  websocket?: boolean;
  query?: Record<string, string>;
  headers?: SenteHeaders;
  session?: unknown;
  /** The POST body; its byte size is held to the limit as `collectBody` does. */
  body?: SenteBody;
  /** Called when the server reads the body. */
  onReadBody?: () => void;
  /** The peer's address. */
  remoteAddress?: string;
}

/** A {@link SenteRequest} as an adapter would build it. */
export function request(init: RequestInit = {}): SenteRequest<string> {
  const body = init.body;
  return {
    method: init.method ?? 'GET',
    websocket: init.websocket ?? false,
    query: init.query ?? {},
    // What every WebSocket client sends (RFC 6455); a test that means otherwise says so.
    headers: init.websocket ? { 'sec-websocket-version': '13', ...init.headers } : (init.headers ?? {}),
    ...(init.session === undefined ? {} : { session: init.session }),
    ...(body === undefined
      ? {}
      : {
          readBody: async (limit: number): Promise<SenteBody> => {
            init.onReadBody?.();
            if (typeof body === 'string' || body instanceof Uint8Array) {
              const read = await collectBody(oneChunk(body), limit);
              return typeof body === 'string' ? new TextDecoder().decode(read) : read;
            }
            return body;
          },
        }),
    ...(init.remoteAddress === undefined ? {} : { remoteAddress: init.remoteAddress }),
    raw: 'raw-request',
  };
}

async function* oneChunk(body: string | Uint8Array): AsyncIterable<string | Uint8Array> {
  yield body;
}

/** Who a test client is. */
export interface ClientInit {
  uid?: string;
  remoteAddress?: string;
  query?: Record<string, string>;
  headers?: SenteHeaders;
  session?: unknown;
}

/** How an Ajax POST carries its payload. */
export type PostForm = 'string' | 'bytes' | 'object' | 'binary';

export type TestServerOptions = Partial<SenteServerOptions<string>>;

/**
 * A server on a fake clock with a JSON packer, `uid` read from the query, the
 * CSRF check off, a router recording every event, and `onError` recording
 * every report. Options override these defaults.
 */
export class Harness {
  readonly clock = new FakeClock();
  readonly errors: { error: SenteError; context: ErrorContext }[] = [];
  readonly events: ServerEventMsg<string>[] = [];
  readonly server: SenteServer<string>;

  constructor(options: TestServerOptions = {}) {
    this.server = createSenteServer<string>({
      packer: jsonPacker,
      clock: this.clock,
      csrfToken: null,
      userId: (req) => req.query['uid'],
      onError: (error, context) => {
        this.errors.push({ error, context });
      },
      ...options,
    });
    this.server.startRouter((msg) => {
      this.events.push(msg);
    });
  }

  decode(payload: Packed | undefined): unknown {
    if (payload === undefined) throw new Error('no payload');
    return this.server.packer.unpack(payload);
  }

  /** Runs one request through the server. */
  async handle(init: RequestInit): Promise<FakeAdapter> {
    const req = request(init);
    const adapter = new FakeAdapter(req.websocket);
    await (req.websocket ? this.server.handleUpgrade(req, adapter) : this.server.handleHttp(req, adapter));
    return adapter;
  }

  /** Opens a WebSocket for `clientId`. */
  async ws(clientId = 'c1', init: ClientInit = {}): Promise<WsClient> {
    const adapter = await this.handle({
      ...(init.remoteAddress === undefined ? {} : { remoteAddress: init.remoteAddress }),
      websocket: true,
      query: { ...queryOf(clientId, init), ...init.query },
      headers: init.headers ?? {},
      session: init.session,
    });
    return new WsClient(this, adapter);
  }

  /** An Ajax GET: a handshake (with `handshake?`), or a poll. */
  async ajaxGet(clientId = 'c1', init: ClientInit & { handshake?: boolean } = {}): Promise<AjaxRequest> {
    const adapter = await this.handle({
      ...(init.remoteAddress === undefined ? {} : { remoteAddress: init.remoteAddress }),
      query: { ...queryOf(clientId, init), ...(init.handshake ? { 'handshake?': '1' } : {}), ...init.query },
      headers: init.headers ?? {},
      session: init.session,
    });
    return new AjaxRequest(this, adapter);
  }

  /** An Ajax client that has done its handshake and parked its first poll. */
  async ajaxClient(clientId = 'c1', init: ClientInit = {}): Promise<AjaxRequest> {
    const hs = await this.ajaxGet(clientId, { ...init, handshake: true });
    if (!hs.answered) throw new Error('handshake not answered');
    return this.ajaxGet(clientId, init);
  }

  /** An Ajax POST of `envelope` (`[content, cbId]`), packed with the server's packer. */
  async post(
    clientId: string | undefined,
    envelope: unknown,
    init: ClientInit & { form?: PostForm } = {},
  ): Promise<AjaxRequest> {
    const packed = this.server.packer.pack(envelope);
    return this.postRaw(clientId, packed, init);
  }

  /** An Ajax POST of an already packed payload. */
  async postRaw(
    clientId: string | undefined,
    packed: Packed,
    init: ClientInit & { form?: PostForm } = {},
  ): Promise<AjaxRequest> {
    const form = init.form ?? (typeof packed === 'string' ? 'string' : 'binary');
    const ids: Record<string, string> = clientId === undefined ? {} : { 'client-id': clientId };
    const user: Record<string, string> = init.uid === undefined ? {} : { uid: init.uid };
    let body: SenteBody;
    let query: Record<string, string> = { ...user, ...init.query };
    if (form === 'binary') {
      body = typeof packed === 'string' ? new TextEncoder().encode(packed) : packed;
      query = { ...query, ...ids, 'binary?': 'true' };
    } else {
      const text = typeof packed === 'string' ? packed : new TextDecoder().decode(packed);
      const fields = { udt: '1', ...ids, ppstr: text };
      if (form === 'object') body = fields;
      else {
        const encoded = new URLSearchParams(fields).toString();
        body = form === 'string' ? encoded : new TextEncoder().encode(encoded);
      }
    }
    const adapter = await this.handle({
      method: 'POST',
      query,
      headers: init.headers ?? {},
      session: init.session,
      body,
    });
    return new AjaxRequest(this, adapter);
  }

  /** The events the router got with this id. */
  eventsOf(id: string): ServerEventMsg<string>[] {
    return this.events.filter((m) => m.id === id);
  }

  /** The ids of the events the router got, in order. */
  ids(): string[] {
    return this.events.map((m) => m.id);
  }

  /** The codes reported to `onError`, in order. */
  errorCodes(): string[] {
    return this.errors.map((e) => e.error.code);
  }

  /** Advances the fake clock, then lets the async request flow settle. */
  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    await settle();
  }
}

function queryOf(clientId: string, init: ClientInit): Record<string, string> {
  return { 'client-id': clientId, ...(init.uid === undefined ? {} : { uid: init.uid }) };
}

/** A WebSocket the server accepted (or the response it gave instead). */
export class WsClient {
  constructor(
    private readonly h: Harness,
    readonly adapter: FakeAdapter,
  ) {}

  get channel(): FakeChannel {
    const ch = this.adapter.channel;
    if (ch === undefined || ch.kind !== 'ws') throw new Error(`no WebSocket (status ${this.adapter.response?.status})`);
    return ch;
  }

  /** Every frame the server sent, unpacked. */
  frames(): unknown[] {
    return this.channel.sent.map((p) => this.h.decode(p));
  }

  /** The frames after the handshake, unpacked. */
  pushes(): unknown[] {
    return this.frames().slice(1);
  }

  /** The events of the push batches received after the handshake, flattened in order. */
  pushedEvents(): unknown[] {
    return this.pushes().flatMap((f) => ((f as unknown[])[0] as unknown[]));
  }

  /** Sends `[content, cbId]`. */
  send(content: unknown, cbId: unknown = null, ext?: Readonly<Record<string, unknown>>): void {
    this.channel.receive(this.h.server.packer.pack(ext === undefined ? [content, cbId] : [content, cbId, ext]));
  }

  /** Sends a raw frame. */
  sendRaw(data: Packed): void {
    this.channel.receive(data);
  }

  /** The client closes the socket. */
  drop(code = 1000): void {
    this.channel.drop(code);
  }

  get closed(): { code: number | undefined; reason: string | undefined } | undefined {
    return this.channel.closed;
  }
}

/** An Ajax request the server answered, parked, or rejected. */
export class AjaxRequest {
  constructor(
    private readonly h: Harness,
    readonly adapter: FakeAdapter,
  ) {}

  get channel(): FakeChannel {
    const ch = this.adapter.channel;
    if (ch === undefined || ch.kind !== 'ajax') throw new Error(`no Ajax channel (status ${this.adapter.response?.status})`);
    return ch;
  }

  /** True once the request got its one answer. */
  get answered(): boolean {
    return this.channel.sent.length > 0;
  }

  /** The unpacked answer. */
  body(): unknown {
    return this.h.decode(this.channel.sent[0]);
  }

  /** The client gives up on the request. */
  abort(): void {
    this.channel.drop();
  }
}
