import type {
  ChannelListener,
  Packed,
  ServerChannel,
  ServerChannelAdapter,
  SenteResponse,
} from '../../src/index.js';

/** How a fake channel ended. */
export interface Closed {
  readonly code: number | undefined;
  readonly reason: string | undefined;
}

/**
 * An in-memory channel. A WebSocket channel records every frame sent and its
 * close; an Ajax channel is one response: its first `send` answers and ends it.
 * Ending a channel reports it to the core's listener, as adapters do.
 */
export class FakeChannel implements ServerChannel {
  readonly sent: Packed[] = [];
  closed: Closed | undefined;
  listener: ChannelListener | undefined;
  private open = true;
  private closeReported = false;

  constructor(readonly kind: 'ws' | 'ajax') {}

  isOpen(): boolean {
    return this.open;
  }

  send(payload: Packed): boolean {
    if (!this.open) return false;
    this.sent.push(payload);
    if (this.kind === 'ajax') this.end(undefined, undefined);
    return true;
  }

  close(code?: number, reason?: string): boolean {
    if (!this.open) return false;
    this.closed = { code, reason };
    this.end(code, reason);
    return true;
  }

  /** The peer went away (a WebSocket closed by the client, an aborted request). */
  drop(code?: number, reason?: string): void {
    if (!this.open) return;
    this.closed = { code, reason };
    this.end(code, reason);
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

  /** Wires the listener the core returned from `open`; reports an end that happened during `open`. */
  attach(listener: ChannelListener): void {
    this.listener = listener;
    if (!this.open) this.reportClose(this.closed?.code, this.closed?.reason);
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

/** An adapter for one request: records the response, or opens a {@link FakeChannel}. */
export class FakeAdapter implements ServerChannelAdapter {
  response: SenteResponse | undefined;
  channel: FakeChannel | undefined;
  /** How many of the three methods the core called (must be exactly one). */
  calls = 0;

  respond(response: SenteResponse): void {
    this.calls++;
    this.response = response;
  }

  acceptWebSocket(open: (channel: ServerChannel) => ChannelListener): void {
    this.accept('ws', open);
  }

  acceptAjax(open: (channel: ServerChannel) => ChannelListener): void {
    this.accept('ajax', open);
  }

  private accept(kind: 'ws' | 'ajax', open: (channel: ServerChannel) => ChannelListener): void {
    this.calls++;
    const ch = new FakeChannel(kind);
    this.channel = ch;
    ch.attach(open(ch));
  }
}
