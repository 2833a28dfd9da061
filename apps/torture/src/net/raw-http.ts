import { TcpConversation } from './tcp-conversation.js';

/** The server's answer to a raw HTTP request. */
export interface RawHttpAnswer {
  /** The status, or what happened instead: `no-answer` (closed without a status line) or `hang` (nothing by the deadline). */
  readonly outcome: number | 'no-answer' | 'hang';
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Parses a response head; undefined until `\r\n\r\n` arrived. */
export function parseHead(buf: Buffer): { status: number; headers: Record<string, string>; bodyStart: number } | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status, headers, bodyStart: end + 4 };
}

/**
 * Sends `request` (the whole request, head and body, exactly as given) on a
 * new connection and reads the answer: its status once the head and the
 * announced body arrived, or the connection's end, or the deadline.
 */
export async function rawHttp(port: number, request: Uint8Array | string, deadlineMs = 3000): Promise<RawHttpAnswer> {
  const c = await TcpConversation.open(port);
  try {
    c.write(request);
    const complete = (): boolean => {
      const head = parseHead(c.received);
      if (head === undefined) return false;
      if (head.status === 101) return true;
      const len = head.headers['content-length'];
      if (len !== undefined) return c.received.length - head.bodyStart >= Number(len);
      return head.headers['transfer-encoding'] === undefined ? false : c.received.includes('0\r\n\r\n', head.bodyStart);
    };
    const answered = await c.wait(complete, deadlineMs);
    const head = parseHead(c.received);
    if (head === undefined) return { outcome: answered || c.end !== 'open' ? 'no-answer' : 'hang', headers: {}, body: '' };
    return { outcome: head.status, headers: head.headers, body: c.received.subarray(head.bodyStart).toString('utf8') };
  } finally {
    c.destroy();
  }
}

/** An HTTP/1.1 request, byte for byte: `Connection: close` and `Content-Length` unless `headers` set them. */
export function httpRequest(method: string, target: string, headers: Record<string, string>, body: Uint8Array | string = ''): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
  const h: Record<string, string> = { host: 'localhost', connection: 'close', ...headers };
  if (method !== 'GET' && !Object.keys(h).some((k) => k.toLowerCase() === 'content-length' || k.toLowerCase() === 'transfer-encoding')) {
    h['content-length'] = String(b.length);
  }
  const head = `${method} ${target} HTTP/1.1\r\n${Object.entries(h)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n')}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), b]);
}
