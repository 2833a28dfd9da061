import { connect } from 'node:net';
import type { Socket } from 'node:net';

/** How a TCP conversation ended, from the client's side. */
export type TcpEnd = 'open' | 'eof' | 'reset';

/**
 * A raw TCP connection to 127.0.0.1 that records every byte the server sends,
 * for input no HTTP or WebSocket library would write.
 */
export class TcpConversation {
  received = Buffer.alloc(0);
  end: TcpEnd = 'open';
  private readonly waiters = new Set<() => void>();

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.received = Buffer.concat([this.received, d]);
      this.wake();
    });
    socket.on('end', () => {
      if (this.end === 'open') this.end = 'eof';
      this.wake();
    });
    socket.on('error', () => {
      this.end = 'reset';
      this.wake();
    });
    socket.on('close', () => {
      if (this.end === 'open') this.end = 'eof';
      this.wake();
    });
  }

  /** Connects to `port` on 127.0.0.1. */
  static open(port: number, deadlineMs = 5000): Promise<TcpConversation> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`TCP connect to ${port} timed out`));
      }, deadlineMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new TcpConversation(socket));
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  write(bytes: Uint8Array | string): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(bytes);
  }

  /** Waits until `done()` holds or the server ended the connection; false when `deadlineMs` passed first. */
  async wait(done: () => boolean, deadlineMs: number): Promise<boolean> {
    const end = Date.now() + deadlineMs;
    while (!done()) {
      if (this.end !== 'open') return done();
      const left = end - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, left);
        function finish(): void {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.add(finish);
      });
    }
    return true;
  }

  /** Waits for the server to end the connection; false when it was still open at the deadline. */
  waitEnd(deadlineMs: number): Promise<boolean> {
    return this.wait(() => this.end !== 'open', deadlineMs);
  }

  /** Drops the connection (an RST where possible). */
  destroy(): void {
    if (!this.socket.destroyed) this.socket.resetAndDestroy();
  }

  private wake(): void {
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }
}
