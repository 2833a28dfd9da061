import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { delay, within } from './wait.js';

/** The answer to a raw request: its status line's code, lower-case headers and body; `status: null` when the connection closed with no answer. */
export interface RawAnswer {
  readonly status: number | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * HTTP/1.1 as no `fetch` or `ws` would send it, byte for byte, on its own TCP
 * connection: a lower-case method, an upgrade to a path nobody serves, a body
 * that breaks off. For requests a real client library refuses to make.
 */
export class RawHttp {
  private readonly host: string;
  private readonly port: number;

  /** @param base Any URL of the server under test (`http://127.0.0.1:PORT/…`). */
  constructor(base: string) {
    const url = new URL(base);
    this.host = url.hostname;
    this.port = Number(url.port);
  }

  /** A request head: the request line, then `Host` and `headers`. */
  head(requestLine: string, headers: Readonly<Record<string, string | number>> = {}): string {
    const lines = [requestLine, `Host: ${this.host}:${this.port}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    return `${lines.join('\r\n')}\r\n\r\n`;
  }

  /**
   * Sends `request` and waits for the first response (its whole body when it
   * has a `content-length`), or for the connection to close without one.
   * Fails when neither happens within `deadlineMs`: a request left hanging.
   */
  async send(request: string | Uint8Array, deadlineMs?: number): Promise<RawAnswer> {
    const { answer, socket } = await this.sendAndHold(request, deadlineMs);
    socket.destroy();
    return answer;
  }

  /**
   * As {@link send}, but the connection stays as the server left it: open,
   * unless the server closed it. The caller destroys the socket.
   */
  async sendAndHold(request: string | Uint8Array, deadlineMs?: number): Promise<{ answer: RawAnswer; socket: Socket }> {
    const socket = await this.open();
    try {
      const answer = new Promise<RawAnswer>((resolve) => {
        let data = Buffer.alloc(0);
        const parse = (closed: boolean): void => {
          const answer = parseAnswer(data, closed);
          if (answer !== undefined) resolve(answer);
        };
        socket.on('data', (chunk: Buffer) => {
          data = Buffer.concat([data, chunk]);
          parse(false);
        });
        socket.on('close', () => parse(true));
      });
      socket.write(request);
      return { answer: await within(answer, `an answer to ${JSON.stringify(firstLine(request))}`, deadlineMs), socket };
    } catch (e) {
      socket.destroy();
      throw e;
    }
  }

  /**
   * Sends `request`, a request whose body is cut short, then drops the
   * connection once the server had a moment to start reading the body: a
   * client that went away mid-upload.
   */
  async sendAndDrop(request: string | Uint8Array): Promise<void> {
    const socket = await this.open();
    await new Promise<void>((resolve, reject) => socket.write(request, (e) => (e ? reject(e) : resolve())));
    // Spacing only: the server must have the request line before the connection goes.
    await delay(50);
    socket.destroy();
  }

  private async open(): Promise<Socket> {
    const socket = connect(this.port, this.host);
    socket.on('error', () => {}); // a reset is an outcome here, reported as a close
    await within(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      }),
      'the TCP connection',
    );
    return socket;
  }
}

function parseAnswer(data: Buffer, closed: boolean): RawAnswer | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end === -1) return closed ? { status: null, headers: {}, body: data.toString('latin1') } : undefined;
  const [statusLine = '', ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
  const status = match === undefined ? null : Number(match);
  // A switch of protocols has no body: what follows is the new protocol's.
  if (status === 101) return { status, headers, body: '' };
  const body = data.subarray(end + 4);
  const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  if (length !== undefined ? body.byteLength < length && !closed : !closed) return undefined;
  return { status, headers, body: body.subarray(0, length).toString('utf8') };
}

function firstLine(request: string | Uint8Array): string {
  const text = typeof request === 'string' ? request : Buffer.from(request).toString('latin1');
  return text.slice(0, Math.max(0, text.indexOf('\r\n')));
}
