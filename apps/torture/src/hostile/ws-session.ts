import { WebSocket } from 'ws';
import { kw } from '@sente/core';
import type { Packer } from '@sente/core';
import { CSRF_TOKEN, GOOD_ORIGIN } from '../server/protocol.js';

/** What became of a hostile frame: the socket stayed `open` (its next request was answered), or how it closed. */
export type FrameAnswer = 'open' | `close ${number}` | 'hang' | 'refused';

/**
 * One hostile WebSocket client on `ws`: it sends a frame, then a request
 * whose reply proves the socket still works, and names what happened; a
 * closed socket is replaced by a new one for the next case.
 */
export class HostileWsSession {
  private ws: WebSocket | undefined;
  private closeCode: number | undefined;
  private buffer: Buffer[] = [];
  private wake: (() => void) | undefined;
  private n = 0;
  /** Sockets opened so far. */
  opened = 0;

  constructor(
    private readonly url: string,
    private readonly packer: Packer,
    private readonly uid: string,
  ) {}

  /** Sends `bytes` as one frame and waits (up to `deadlineMs`) to see whether the socket survived it. */
  async send(bytes: Buffer, binary: boolean, deadlineMs = 3000): Promise<FrameAnswer> {
    const ws = await this.socket();
    if (ws === undefined) return 'refused';
    const token = `sentinel-${this.uid}-${this.n++}`;
    const probe = this.packer.pack([[kw('good/echo'), token], token]);
    ws.send(bytes, { binary });
    if (ws.readyState === WebSocket.OPEN) ws.send(probe, { binary: typeof probe !== 'string' });
    const tokenBytes = Buffer.from(token);
    const end = Date.now() + deadlineMs;
    for (;;) {
      if (this.buffer.some((b) => b.includes(tokenBytes))) {
        this.buffer = [];
        return 'open';
      }
      if (this.closeCode !== undefined) {
        const code = this.closeCode;
        this.ws = undefined;
        return `close ${code}`;
      }
      const left = end - Date.now();
      if (left <= 0) {
        this.drop();
        return 'hang';
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** Closes the current socket. */
  drop(): void {
    this.ws?.terminate();
    this.ws = undefined;
  }

  private async socket(): Promise<WebSocket | undefined> {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) return this.ws;
    this.closeCode = undefined;
    this.buffer = [];
    const q = new URLSearchParams({ uid: this.uid, 'client-id': `${this.uid}-${this.opened}`, 'csrf-token': CSRF_TOKEN });
    const ws = new WebSocket(`${this.url.replace(/^http/, 'ws')}?${q.toString()}`, { headers: { origin: GOOD_ORIGIN }, maxPayload: 256 * 1024 * 1024 });
    this.opened++;
    ws.on('message', (d: Buffer) => {
      this.buffer.push(Buffer.from(d));
      this.wake?.();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.wake?.();
    });
    ws.on('error', () => {});
    const ok = await new Promise<boolean>((resolve) => {
      ws.once('open', () => resolve(true));
      ws.once('unexpected-response', () => resolve(false));
      ws.once('error', () => resolve(false));
      ws.once('close', () => resolve(false));
    });
    if (!ok) {
      ws.terminate();
      return undefined;
    }
    this.ws = ws;
    return ws;
  }
}
