import type { HttpExchange, Packed, SenteResponse, SocketChannel, SocketListener, TextParts, UpgradeExchange } from '../../src/index.js';

/** How a fake channel ended. */
export interface Closed {
  readonly code: number | undefined;
  readonly reason: string | undefined;
}

/**
 * An in-memory channel. A WebSocket channel records every frame sent and its
 * close; an Ajax channel is one response: the payload of its 200 (or the end
 * of a 204). Ending a channel reports it to the core, as adapters do.
 */
export class FakeChannel implements SocketChannel {
  readonly sent: Packed[] = [];
  /** The parts given with each frame in {@link sent} (see `TextParts`), if any. */
  readonly parts: (TextParts | undefined)[] = [];
  closed: Closed | undefined;
  listener: SocketListener | undefined;
  /** What the socket holds unsent; a test sets it to play a slow reader. */
  bufferedAmount = 0;
  private open = true;
  private closeReported = false;
  readonly abortListeners: (() => void)[] = [];

  constructor(readonly kind: 'ws' | 'ajax') {}

  isOpen(): boolean {
    return this.open;
  }

  send(payload: Packed, parts?: TextParts): void {
    if (!this.open) return;
    this.sent.push(payload);
    this.parts.push(parts);
  }

  close(code: number, reason: string): void {
    if (!this.open) return;
    this.closed = { code, reason };
    this.end(code, reason);
  }

  /** The peer went away (a WebSocket closed by the client, an aborted request). */
  drop(code?: number, reason?: string): void {
    if (!this.open) return;
    this.closed = { code, reason };
    this.end(code, reason);
    for (const fn of this.abortListeners.splice(0)) fn();
  }

  /** The channel dies without the adapter ever reporting it (a lost close event). */
  vanish(): void {
    this.open = false;
    this.closeReported = true;
  }

  /** A WebSocket message from the client. */
  receive(data: Packed): void {
    if (!this.open) throw new Error('fake channel: receive on a closed channel');
    this.listener?.onMessage(data);
  }

  /** The socket's buffer went out. */
  drained(): void {
    this.bufferedAmount = 0;
    this.listener?.onDrain();
  }

  /** Wires the listener the core returned from `open`; reports an end that happened during `open`. */
  attach(listener: SocketListener): void {
    this.listener = listener;
    if (!this.open) this.reportClose(this.closed?.code, this.closed?.reason);
  }

  /** An Ajax answer: the channel ends with it. */
  answer(r: SenteResponse): void {
    if (r.status === 200) this.sent.push(r.body);
    else this.closed = { code: undefined, reason: undefined };
    this.open = false;
  }

  private end(code: number | undefined, reason: string | undefined): void {
    this.open = false;
    this.reportClose(code, reason);
  }

  private reportClose(code: number | undefined, reason: string | undefined): void {
    if (this.listener === undefined || this.closeReported) return;
    this.closeReported = true;
    this.listener.onClose(code, reason);
  }
}

/**
 * An exchange for one request, HTTP or upgrade: records a refusal as
 * `response`, and an accepted request's traffic on a {@link FakeChannel}
 * (an Ajax answer — 200 with a payload, or 204 — or an open socket).
 */
export class FakeAdapter implements HttpExchange, UpgradeExchange {
  response: SenteResponse | undefined;
  private ajax: FakeChannel | undefined;
  private socket: FakeChannel | undefined;
  /** How many times the core answered, accepted or refused (must be exactly one). */
  calls = 0;

  constructor(private readonly websocket: boolean) {
    if (!websocket) this.ajax = new FakeChannel('ajax');
  }

  /** The socket, or an Ajax request that was answered with a payload or is parked. */
  get channel(): FakeChannel | undefined {
    if (this.websocket) return this.socket;
    return this.response === undefined ? this.ajax : undefined;
  }

  respond(r: SenteResponse): boolean {
    const ch = this.ajax as FakeChannel;
    if (!ch.isOpen()) return false;
    this.calls++;
    if (r.status === 200 || r.status === 204) ch.answer(r);
    else {
      this.response = r;
      ch.answer(r);
    }
    return true;
  }

  onAbort(fn: () => void): void {
    const ch = this.ajax as FakeChannel;
    if (ch.isOpen()) ch.abortListeners.push(fn);
    else if (ch.closed !== undefined && ch.sent.length === 0 && this.calls === 0) fn();
  }

  reject(r: SenteResponse): void {
    this.calls++;
    this.response = r;
  }

  accept(open: (socket: SocketChannel) => SocketListener): void {
    this.calls++;
    const ch = new FakeChannel('ws');
    this.socket = ch;
    ch.attach(open(ch));
  }
}
