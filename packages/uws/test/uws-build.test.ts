/**
 * The uWebSockets.js build the workspace tests with (the `uWebSockets.js`
 * entry of pnpm-workspace.yaml's catalog), held to the three behaviours that
 * decided the choice — see docs/guides/uws.md, "Which build the tests use" —
 * and to the HTTP/1.0 requests the guide says no handler ever sees.
 * Each test speaks raw TCP, so that nothing between it and uWS reassembles,
 * masks or fixes what is sent. If one fails after a change of build, the
 * guide's table is out of date: measure again and update both.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import uWS from 'uWebSockets.js';
import type { TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { attachSente } from '../src/index.js';
import type { SenteUws } from '../src/index.js';
import { handshake } from '@sente/adapter-conformance/json-peer';

interface Started {
  app: TemplatedApp;
  token: us_listen_socket;
  port: number;
  sente?: SenteUws;
}

const running: Started[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of running.splice(0)) {
    await s.sente?.close();
    uWS.us_listen_socket_close(s.token);
    s.app.close();
  }
});

async function listen(app: TemplatedApp, sente?: SenteUws): Promise<Started> {
  const token = await new Promise<us_listen_socket>((resolve, reject) =>
    app.listen('127.0.0.1', 0, (t) => (t ? resolve(t) : reject(new Error('Cannot listen')))),
  );
  const started: Started = { app, token, port: uWS.us_socket_local_port(token), ...(sente ? { sente } : {}) };
  running.push(started);
  return started;
}

/** A bare uWS app: GET /plain answers "ok"; /ws echoes each message back, prefixed with "echo:". */
async function bareApp(): Promise<Started> {
  const app = uWS.App();
  app.get('/plain', (res) => {
    res.end('ok');
  });
  app.ws('/ws', {
    message: (ws, message) => {
      ws.send(`echo:${Buffer.from(message).toString('utf8')}`);
    },
  });
  return listen(app);
}

/** Sente on uWS, with the uid from the `user` query parameter and `app/echo` answered with a reply. */
async function senteApp(): Promise<Started> {
  const app = uWS.App();
  const sente = attachSente(app, { csrfToken: null, userId: (req) => req.query['user'] });
  sente.server.startRouter((msg) => {
    if (msg.id === 'app/echo') msg.reply?.({ echo: msg.data });
  });
  return listen(app, sente);
}

/** A TCP connection to 127.0.0.1 that collects every byte it receives. */
class RawClient {
  private received = Buffer.alloc(0);
  private ended = false;
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wake();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      sockets.push(socket);
      socket.once('connect', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Writes `chunk` and waits until it has left this process, so that each call is its own TCP segment on loopback. */
  write(chunk: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(chunk, (err) => (err ? reject(err) : resolve())));
  }

  /** Waits until `done(received bytes)` holds; fails if the connection closes first or after 5 s. */
  async until(what: string, done: (bytes: Buffer) => boolean): Promise<Buffer> {
    const deadline = Date.now() + 5000;
    while (!done(this.received)) {
      if (this.ended) throw new Error(`Connection closed before ${what}; received ${JSON.stringify(this.received.toString('latin1'))}`);
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}; received ${JSON.stringify(this.received.toString('latin1'))}`);
      await new Promise<void>((resolve) => {
        this.waiters.add(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.received;
  }

  /** The status line and header lines of the first HTTP response, once its head is complete. */
  async head(): Promise<string[]> {
    const bytes = await this.until('an HTTP response head', (b) => b.includes('\r\n\r\n'));
    return bytes.subarray(0, bytes.indexOf('\r\n\r\n')).toString('latin1').split('\r\n');
  }

  /** The payloads of the complete, unmasked, unfragmented server frames after the HTTP head. */
  frames(): string[] {
    const start = this.received.indexOf('\r\n\r\n') + 4;
    const out: string[] = [];
    let at = start;
    while (at + 2 <= this.received.length) {
      let length = this.received[at + 1]! & 0x7f;
      let offset = at + 2;
      if (length === 126) {
        if (offset + 2 > this.received.length) break;
        length = this.received.readUInt16BE(offset);
        offset += 2;
      } else if (length === 127) {
        break; // no test here sends or expects a frame of 64 KiB or more
      }
      if (offset + length > this.received.length) break;
      out.push(this.received.subarray(offset, offset + length).toString('utf8'));
      at = offset + length;
    }
    return out;
  }

  async frame(index: number): Promise<string> {
    await this.until(`server frame #${index}`, () => this.frames().length > index);
    return this.frames()[index]!;
  }

  private wake(): void {
    for (const w of this.waiters) w();
    this.waiters.clear();
  }
}

const KEY = 'dGhlIHNhbXBsZSBub25jZQ=='; // RFC 6455 §1.3's sample key
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='; // its Sec-WebSocket-Accept

function upgradeRequest(path: string, version: string): string {
  return (
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: ${version}\r\n\r\n`
  );
}

/** A single-frame text message, masked with `mask`, or unmasked (no MASK bit, no key) when `mask` is null. */
function textFrame(text: string, mask: readonly number[] | null): Buffer {
  const payload = Buffer.from(text, 'utf8');
  if (payload.length > 125) throw new Error('Short frames only');
  if (mask === null) return Buffer.concat([Buffer.from([0x81, payload.length]), payload]);
  const masked = payload.map((byte, i) => byte ^ mask[i % 4]!);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, ...mask]), masked]);
}

describe('the uWebSockets.js build under test', () => {
  it('is the native binary, not the JavaScript fallback the package loads when its binary does not fit', async () => {
    const { port } = await bareApp();
    const client = await RawClient.open(port);
    await client.write('GET /plain HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const head = await client.head();
    expect(head[0]).toBe('HTTP/1.1 200 OK');
    // Only the native uWS writes its mark; the fallback (built on ws) does not.
    expect(head).toContain('uWebSockets: 20');
  });

  it("keeps a socket's user data on the socket itself: getUserData() is the socket, with the upgrade's fields (src/websocket.ts relies on it)", async () => {
    const app = uWS.App();
    const seen: unknown[] = [];
    app.ws<{ mark: string }>('/ws', {
      upgrade: (res, req, context) => res.upgrade({ mark: 'x' }, req.getHeader('sec-websocket-key'), '', '', context),
      open: (ws) => void seen.push({ same: ws.getUserData() === (ws as unknown), mark: (ws as unknown as { mark: string }).mark }),
    });
    const { port } = await listen(app);
    const client = await RawClient.open(port);
    await client.write('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    expect((await client.head())[0]).toBe('HTTP/1.1 101 Switching Protocols');
    expect(seen).toEqual([{ same: true, mark: 'x' }]);
  });

  describe('a request line that arrives in two TCP segments', () => {
    it('is answered as one request (uwebsockets@3.0.6 answered 505 HTTP Version Not Supported)', async () => {
      const { port } = await bareApp();
      const client = await RawClient.open(port);
      await client.write('GET /plain HT');
      await new Promise((r) => setTimeout(r, 50));
      await client.write('TP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      expect((await client.head())[0]).toBe('HTTP/1.1 200 OK');
      await client.until('the body', (b) => b.toString('latin1').endsWith('ok'));
    });

    it('reaches Sente: an Ajax handshake split after "HT" gets the handshake', async () => {
      const { port } = await senteApp();
      const client = await RawClient.open(port);
      await client.write('GET /chsk?client-id=c1&user=alice&handshake%3F=1 HT');
      await new Promise((r) => setTimeout(r, 50));
      await client.write('TP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      expect((await client.head())[0]).toBe('HTTP/1.1 200 OK');
      const bytes = await client.until('the handshake body', (b) => b.toString('utf8').includes('chsk/handshake'));
      const body = bytes.subarray(bytes.indexOf('\r\n\r\n') + 4).toString('utf8');
      expect(JSON.parse(body)).toEqual(handshake('alice'));
    });
  });

  describe('an unmasked client frame (RFC 6455 §5.1: the server must close the connection)', () => {
    it('is not refused, as upstream does not check the MASK bit: its first four payload bytes are read as the key', async () => {
      const { port } = await bareApp();
      const client = await RawClient.open(port);
      await client.write(upgradeRequest('/ws', '13'));
      expect((await client.head())[0]).toBe('HTTP/1.1 101 Switching Protocols');

      // A masked frame is echoed: the socket works.
      await client.write(textFrame('masked', [0x12, 0x34, 0x56, 0x78]));
      expect(await client.frame(0)).toBe('echo:masked');

      // An unmasked frame whose first four payload bytes are zeros: uWS takes
      // them as a (no-op) key and the next bytes as the payload, and delivers it.
      const text = 'unmasked';
      const unmasked = Buffer.concat([Buffer.from([0x81, text.length, 0, 0, 0, 0]), Buffer.from(text)]);
      await client.write(unmasked);
      expect(await client.frame(1)).toBe('echo:unmasked');
    });

    it('reaches Sente as an event when crafted that way, so Sente cannot rely on uWS to refuse one', async () => {
      const { port } = await senteApp();
      const client = await RawClient.open(port);
      await client.write(upgradeRequest('/chsk?client-id=c1&user=alice', '13'));
      expect((await client.head())[0]).toBe('HTTP/1.1 101 Switching Protocols');
      expect(JSON.parse(await client.frame(0))).toEqual(handshake('alice'));

      const event = JSON.stringify([['app/echo', 'no mask'], 'cb1']);
      await client.write(Buffer.concat([Buffer.from([0x81, event.length, 0, 0, 0, 0]), Buffer.from(event)]));
      expect(JSON.parse(await client.frame(1))).toEqual([{ echo: 'no mask' }, 'cb1']);
    });
  });

  describe('an HTTP/1.0 request (docs/guides/uws.md: out of Sente\'s reach on this adapter)', () => {
    it('reaches no handler, not even app.any(\'/*\'), and gets no answer: the parser takes only "HTTP/1.1" in a request line', async () => {
      const app = uWS.App();
      let handled = 0;
      app.any('/*', (res) => {
        handled++;
        res.end('ok');
      });
      const { port } = await listen(app);
      const client = await RawClient.open(port);
      await client.write('GET /plain HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n');
      await expect(client.until('any answer', (b) => b.length > 0)).rejects.toThrow(/Timed out/);
      expect(handled).toBe(0);
      // The same request as HTTP/1.1, on a new connection, is handled: the app works.
      const other = await RawClient.open(port);
      await other.write('GET /plain HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      expect((await other.head())[0]).toBe('HTTP/1.1 200 OK');
      expect(handled).toBe(1);
    }, 15_000);

    it('never reaches Sente: an HTTP/1.0 upgrade gets neither a 101 nor a refusal', async () => {
      const { port } = await senteApp();
      const client = await RawClient.open(port);
      await client.write(upgradeRequest('/chsk?client-id=c1&user=alice', '13').replace('HTTP/1.1', 'HTTP/1.0'));
      await expect(client.until('any answer', (b) => b.length > 0)).rejects.toThrow(/Timed out/);
    }, 15_000);
  });

  describe('an upgrade with an unsupported Sec-WebSocket-Version (RFC 6455 §4.4: answer 426 with Sec-WebSocket-Version: 13)', () => {
    for (const version of ['12', 'abc']) {
      it(`is upgraded all the same with version ${JSON.stringify(version)}, as upstream does not read the header`, async () => {
        const { port } = await bareApp();
        const client = await RawClient.open(port);
        await client.write(upgradeRequest('/ws', version));
        const head = await client.head();
        expect(head[0]).toBe('HTTP/1.1 101 Switching Protocols');
        expect(head).toContain(`Sec-WebSocket-Accept: ${ACCEPT}`);
      });
    }

    it('is refused by Sente all the same: 426 with Sec-WebSocket-Version: 13, never upgraded', async () => {
      const { port } = await senteApp();
      for (const version of ['12', 'abc']) {
        const client = await RawClient.open(port);
        await client.write(upgradeRequest('/chsk?client-id=c1&user=alice', version));
        const head = await client.head();
        expect(head[0]).toBe('HTTP/1.1 426 Upgrade Required');
        expect(head.map((l) => l.toLowerCase())).toContain('sec-websocket-version: 13');
      }
    });
  });
});
