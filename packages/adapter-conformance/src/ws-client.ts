import { WebSocket } from 'ws';
import { envelopes, randomId } from '@sente/core';
import type { Packed, SenteEvent } from '@sente/core';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { until, within } from './wait.js';
import type { Wire } from './wire.js';

/** Options of a {@link RawWsClient}. */
export interface RawWsOptions {
  /** The client id; `null` leaves it out of the URL. @default a random id */
  clientId?: string | null | undefined;
  /** Sent as the `csrf-token` query parameter, as Sente's client does on WebSocket. */
  csrfToken?: string | undefined;
  /** App params, first in the query (the suite's `userId` reads `uid`). */
  params?: Readonly<Record<string, string>> | undefined;
  /** Extra upgrade request headers (e.g. `origin`). */
  headers?: Readonly<Record<string, string>> | undefined;
  /** Answer the server's `chsk/ws-ping` with `[[chsk/ws-pong] nil]`. @default true */
  answerPings?: boolean | undefined;
  /** Another path than the base URL's (e.g. one nobody serves). @default the base URL's */
  path?: string | undefined;
}

/** One frame received from the server. */
export interface Frame {
  readonly raw: Packed;
  /** True for a binary frame. */
  readonly binary: boolean;
}

/** How a socket closed. */
export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

/** The server refused the upgrade with a plain HTTP response. */
export class UpgradeRejected extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    /** The response headers, lower-case names. */
    readonly headers: IncomingMessage['headers'],
  ) {
    super(`WebSocket upgrade rejected: ${status} ${body}`);
  }
}

/**
 * A protocol-level WebSocket client on `ws`: it speaks Sente's wire format
 * frame by frame, with none of a real client's logic, so the suite sees
 * exactly what the server sends and can send anything, including garbage.
 */
export class RawWsClient {
  /** Every frame received, server pings excepted, in order. */
  readonly frames: Frame[] = [];
  /** The server's `chsk/ws-ping` frames. */
  readonly pings: Frame[] = [];
  /** Resolves when the socket has closed. */
  readonly closed: Promise<CloseInfo>;
  /** Set once the socket has closed. */
  closeInfo: CloseInfo | undefined;
  private cursor = 0;

  private constructor(
    readonly socket: WebSocket,
    readonly wire: Wire,
    readonly clientId: string | null,
    answerPings: boolean,
  ) {
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString('utf8') };
        resolve(this.closeInfo);
      });
    });
    // An unhandled 'error' would crash the test process; 'close' always follows it.
    socket.on('error', () => {});
    socket.on('message', (data, isBinary) => {
      const buf = data as Buffer;
      const frame: Frame = { raw: isBinary ? new Uint8Array(buf) : buf.toString('utf8'), binary: isBinary };
      if (this.isPing(frame.raw)) {
        this.pings.push(frame);
        if (answerPings) this.send(wire.packer.pack(envelopes.wsPong));
      } else this.frames.push(frame);
    });
  }

  /** The WebSocket URL for the `http://…/chsk` base URL: app params, then `client-id` and `csrf-token`. */
  static url(base: string, options: RawWsOptions): string {
    const q = new URLSearchParams(options.params);
    if (options.clientId !== null) q.set('client-id', options.clientId ?? randomId(12));
    if (options.csrfToken !== undefined) q.set('csrf-token', options.csrfToken);
    const http = options.path === undefined ? base : new URL(options.path, base).toString();
    return `${http.replace(/^http/, 'ws')}?${q.toString()}`;
  }

  /**
   * Opens a socket and waits for its first frame, the handshake (kept in
   * `frames[0]`, already read). Rejects with {@link UpgradeRejected} when the
   * server answers the upgrade with an HTTP status instead.
   */
  static async open(base: string, wire: Wire, options: RawWsOptions = {}, track?: (c: RawWsClient) => void): Promise<RawWsClient> {
    const clientId = options.clientId === null ? null : (options.clientId ?? randomId(12));
    const socket = new WebSocket(RawWsClient.url(base, { ...options, clientId }), { headers: { ...options.headers } });
    const client = new RawWsClient(socket, wire, clientId, options.answerPings ?? true);
    track?.(client);
    await within(
      new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
        socket.once('unexpected-response', (req, res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            reject(new UpgradeRejected(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), res.headers));
            req.destroy();
          });
          res.on('error', reject);
        });
      }),
      'the WebSocket to open',
    );
    await client.next('the handshake frame');
    return client;
  }

  /** Opens a socket that the server must refuse; gives the refusal. */
  static async rejected(base: string, wire: Wire, options: RawWsOptions = {}, track?: (c: RawWsClient) => void): Promise<UpgradeRejected> {
    try {
      await RawWsClient.open(base, wire, options, track);
    } catch (e) {
      if (e instanceof UpgradeRejected) return e;
      throw e;
    }
    throw new Error('The WebSocket upgrade was accepted; a rejection was expected.');
  }

  /** The handshake frame (the first one). */
  get handshake(): Frame {
    const f = this.frames[0];
    if (f === undefined) throw new Error('No handshake yet.');
    return f;
  }

  /** True while the socket is open. */
  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Waits for the next unread frame. */
  async next(what = 'a frame'): Promise<Frame> {
    const i = this.cursor;
    const f = await until(() => this.frames[i] ?? (this.closeInfo ? new Error(`socket closed (${this.closeInfo.code})`) : undefined), what);
    if (f instanceof Error) throw new Error(`Waiting for ${what}: ${f.message}`);
    this.cursor = i + 1;
    return f;
  }

  /** Waits for the next unread frame, which must be a push batch; gives its events. */
  async nextPush(): Promise<SenteEvent[]> {
    return this.wire.pushedEvents((await this.next('a push batch')).raw);
  }

  /** Waits until `count` pushed events arrived (over any number of frames); gives them in order. */
  async pushedEvents(count: number): Promise<{ events: SenteEvent[]; frames: number }> {
    const events: SenteEvent[] = [];
    let frames = 0;
    while (events.length < count) {
      events.push(...(await this.nextPush()));
      frames++;
    }
    return { events, frames };
  }

  /**
   * Stops reading from the TCP socket: a reader that never reads. The
   * kernel's buffers fill, then the server's; nothing is lost on our side.
   */
  pauseReading(): void {
    this.tcp().pause();
  }

  /** Reads again what {@link pauseReading} left in the kernel's buffers, and what follows. */
  resumeReading(): void {
    this.tcp().resume();
  }

  private tcp(): Socket {
    // `ws` keeps its TCP socket private; pausing it is the only way to read nothing.
    const socket = (this.socket as unknown as { _socket?: Socket })._socket;
    if (socket === undefined) throw new Error('The WebSocket has no TCP socket (not open).');
    return socket;
  }

  /** Sends a raw payload (a string as a text frame, bytes as a binary frame). */
  send(raw: Packed | Buffer): void {
    this.socket.send(raw, { binary: typeof raw !== 'string' });
  }

  /** Sends an event without a reply. */
  sendEvent(event: SenteEvent): void {
    this.send(this.wire.event(event, null));
  }

  /** Sends an event with a fresh cb-id; gives the cb-id and waits for the reply frame carrying it. */
  async request(event: SenteEvent): Promise<{ cbId: string; frame: Frame; value: unknown }> {
    const cbId = randomId(6);
    this.send(this.wire.event(event, cbId));
    const frame = await until(() => this.frames.find((f) => this.cbIdOf(f) === cbId), `the reply to ${event[0]}`);
    return { cbId, frame, value: this.wire.decode(frame.raw).content };
  }

  /** Closes (normal closure) and waits until the socket has closed. */
  async close(code = 1000): Promise<CloseInfo> {
    if (this.socket.readyState === WebSocket.CONNECTING) this.socket.terminate();
    else if (this.socket.readyState === WebSocket.OPEN) this.socket.close(code);
    return within(this.closed, 'the WebSocket to close');
  }

  /** Drops the TCP connection without a close handshake and waits for the close. */
  async terminate(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    this.socket.terminate();
    await within(this.closed, 'the WebSocket to close');
  }

  private cbIdOf(f: Frame): string | null | undefined {
    try {
      return this.wire.decode(f.raw).cbId;
    } catch {
      return undefined;
    }
  }

  private isPing(raw: Packed): boolean {
    try {
      return this.wire.isKeyword(raw, 'chsk/ws-ping');
    } catch {
      return false;
    }
  }
}
