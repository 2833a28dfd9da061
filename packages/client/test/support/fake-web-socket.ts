import { Keyword } from '@sente/core';
import { json } from '@sente/packer-json';
import type { WebSocketLike, WsCloseEventLike, WsMessageEventLike } from '../../src/index.js';

/**
 * A WebSocket double: records what the client sends and lets a test play the
 * server. Frames are JSON, as the default packer writes them.
 */
export class FakeWebSocket implements WebSocketLike {
  static instances: FakeWebSocket[] = [];

  /** The newest socket. */
  static get last(): FakeWebSocket {
    const s = FakeWebSocket.instances.at(-1);
    if (s === undefined) throw new Error('no socket was created');
    return s;
  }

  static reset(): void {
    FakeWebSocket.instances = [];
  }

  binaryType = 'blob';
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: WsMessageEventLike) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onclose: ((event: WsCloseEventLike) => void) | null = null;
  readonly sent: Array<string | Uint8Array> = [];
  readonly closeCalls: Array<{ code: number | undefined; reason: string | undefined }> = [];

  constructor(readonly url: string) {
    FakeWebSocket.instances.push(this);
  }

  send(data: string | Uint8Array): void {
    if (this.readyState !== 1) throw new Error('InvalidStateError: not open');
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closeCalls.push({ code, reason });
    this.readyState = 2;
  }

  /** The sent frames, unpacked. */
  get frames(): unknown[] {
    return this.sent.map((d) => json.unpack(d));
  }

  /** The server accepts the upgrade. */
  serverOpen(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  /** The server sends an envelope. */
  serverSend(envelope: unknown): void {
    this.onmessage?.({ data: json.pack(envelope) });
  }

  /** The server sends raw data. */
  serverSendRaw(data: unknown): void {
    this.onmessage?.({ data });
  }

  /** Opens and sends a handshake for `uid`. */
  handshake(uid: unknown = 'u1', data: unknown = null): void {
    if (this.readyState !== 1) this.serverOpen();
    this.serverSend([[Keyword.for('chsk/handshake'), [uid, null, data]], null]);
  }

  /** The socket fails (the event browsers give before a failed close). */
  serverError(): void {
    this.onerror?.({ type: 'error' });
  }

  /** The socket closes (after the server closed it, or our close() completed). */
  serverClose(code = 1006, reason = '', wasClean = false): void {
    this.readyState = 3;
    this.onclose?.({ code, reason, wasClean });
  }
}
