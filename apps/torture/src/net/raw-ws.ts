import { createHash, randomBytes } from 'node:crypto';
import { TcpConversation } from './tcp-conversation.js';
import { parseHead } from './raw-http.js';

/** One WebSocket frame as a client may write it, including every way to get it wrong. */
export interface FrameSpec {
  fin?: boolean;
  /** The three RSV bits, 0–7. */
  rsv?: number;
  opcode: number;
  payload: Uint8Array;
  /** A mask key, or `false` for an unmasked (illegal from a client) frame. @default a random key */
  mask?: Uint8Array | false;
  /** A payload length to announce instead of the real one (a lie). */
  announcedLength?: number | bigint;
  /** Force the 16- or 64-bit length encoding even for a short payload. */
  lengthEncoding?: 7 | 16 | 64;
}

export const OPCODES = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

/** Encodes a frame exactly as `spec` says, legal or not (RFC 6455 §5.2). */
export function encodeFrame(spec: FrameSpec): Buffer {
  const fin = spec.fin ?? true;
  const mask = spec.mask === undefined ? randomBytes(4) : spec.mask;
  const len = spec.announcedLength ?? spec.payload.length;
  const enc = spec.lengthEncoding ?? (len < 126 ? 7 : len < 65536 ? 16 : 64);
  const head: number[] = [((fin ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | (spec.opcode & 0x0f)) & 0xff];
  const m = mask === false ? 0 : 0x80;
  if (enc === 7) head.push(m | Number(len));
  else if (enc === 16) head.push(m | 126, (Number(len) >> 8) & 0xff, Number(len) & 0xff);
  else {
    head.push(m | 127);
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(len));
    head.push(...b);
  }
  const payload = Buffer.from(spec.payload);
  if (mask !== false) {
    head.push(...mask);
    for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (mask[i % 4] as number);
  }
  return Buffer.concat([Buffer.from(head), payload]);
}

/** A close frame's payload: the code, then the reason. */
export function closePayload(code: number, reason = ''): Uint8Array {
  const b = Buffer.alloc(2 + Buffer.byteLength(reason));
  b.writeUInt16BE(code & 0xffff);
  b.write(reason, 2);
  return b;
}

/** A frame the server sent. */
export interface ServerFrame {
  readonly opcode: number;
  readonly payload: Buffer;
}

/** Parses the server's (unmasked) frames from `buf`; gives the frames and the bytes left over. */
export function parseFrames(buf: Buffer): { frames: ServerFrame[]; rest: Buffer } {
  const frames: ServerFrame[] = [];
  let off = 0;
  for (;;) {
    if (buf.length - off < 2) break;
    const b1 = buf[off + 1] as number;
    let len = b1 & 0x7f;
    let p = off + 2;
    if (len === 126) {
      if (buf.length - p < 2) break;
      len = buf.readUInt16BE(p);
      p += 2;
    } else if (len === 127) {
      if (buf.length - p < 8) break;
      len = Number(buf.readBigUInt64BE(p));
      p += 8;
    }
    if (b1 & 0x80) p += 4;
    if (buf.length - p < len) break;
    frames.push({ opcode: (buf[off] as number) & 0x0f, payload: buf.subarray(p, p + len) });
    off = p + len;
  }
  return { frames, rest: buf.subarray(off) };
}

/** How the server answered a raw WebSocket conversation. */
export type WsOutcome = `close ${number}` | 'close (no code)' | 'dropped' | 'open' | `http ${number}` | 'no-answer' | 'hang';

/**
 * A WebSocket spoken byte by byte over TCP: the upgrade written by hand,
 * the server's frames parsed by hand, so that any frame can be sent.
 */
export class RawTcpWebSocket {
  /** Frames the server sent after the 101, in order. */
  readonly frames: ServerFrame[] = [];
  private parsedUpTo = 0;
  private pingsAnswered = 0;

  private constructor(
    readonly conversation: TcpConversation,
    readonly status: number | 'no-answer' | 'hang',
    private bodyStart: number,
  ) {}

  /**
   * Writes an upgrade request for `target` (path and query) with `headers`
   * replacing the standard ones (a header set to `null` is left out).
   */
  static async upgrade(port: number, target: string, headers: Record<string, string | null> = {}, deadlineMs = 3000): Promise<RawTcpWebSocket> {
    const c = await TcpConversation.open(port);
    const key = randomBytes(16).toString('base64');
    const h: Record<string, string | null> = {
      host: `127.0.0.1:${port}`,
      upgrade: 'websocket',
      connection: 'Upgrade',
      'sec-websocket-key': key,
      'sec-websocket-version': '13',
      ...headers,
    };
    const lines = Object.entries(h).filter((e): e is [string, string] => e[1] !== null);
    c.write(`GET ${target} HTTP/1.1\r\n${lines.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
    await c.wait(() => parseHead(c.received) !== undefined, deadlineMs);
    const head = parseHead(c.received);
    const status = head ? head.status : c.end === 'open' ? 'hang' : 'no-answer';
    return new RawTcpWebSocket(c, status, head?.bodyStart ?? 0);
  }

  /** The accept key a server must answer `key` with (RFC 6455 §4.2.2). */
  static acceptKey(key: string): string {
    return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  }

  get accepted(): boolean {
    return this.status === 101;
  }

  write(bytes: Uint8Array): void {
    this.conversation.write(bytes);
  }

  send(spec: FrameSpec): void {
    this.write(encodeFrame(spec));
  }

  /** Parses what arrived so far. */
  read(): ServerFrame[] {
    const { frames, rest } = parseFrames(this.conversation.received.subarray(this.bodyStart + this.parsedUpTo));
    this.parsedUpTo = this.conversation.received.length - this.bodyStart - rest.length;
    this.frames.push(...frames);
    return this.frames;
  }

  /**
   * Answers each ping read since the last call with a pong of its payload,
   * as a WebSocket peer must (RFC 6455 §5.5.2).
   */
  answerPings(): void {
    const pings = this.read().filter((f) => f.opcode === OPCODES.ping);
    for (const ping of pings.slice(this.pingsAnswered)) this.send({ opcode: OPCODES.pong, payload: ping.payload });
    this.pingsAnswered = pings.length;
  }

  /** Waits for a frame matching `pred`. */
  async frame(pred: (f: ServerFrame) => boolean, deadlineMs: number): Promise<ServerFrame | undefined> {
    await this.conversation.wait(() => this.read().some(pred), deadlineMs);
    return this.read().find(pred);
  }

  /**
   * Waits until the server closes (a close frame or the TCP end) and names
   * the outcome; `open` when neither happened by the deadline.
   */
  async outcome(deadlineMs: number): Promise<WsOutcome> {
    if (this.status !== 101) return typeof this.status === 'number' ? `http ${this.status}` : this.status;
    await this.conversation.wait(() => this.read().some((f) => f.opcode === OPCODES.close) || this.conversation.end !== 'open', deadlineMs);
    const close = this.read().find((f) => f.opcode === OPCODES.close);
    if (close) return close.payload.length >= 2 ? `close ${close.payload.readUInt16BE(0)}` : 'close (no code)';
    return this.conversation.end === 'open' ? 'open' : 'dropped';
  }

  destroy(): void {
    this.conversation.destroy();
  }
}
