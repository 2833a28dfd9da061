/**
 * The client's Ajax on Node: `node:http`/`node:https` with keep-alive agents
 * of each client's own (node-fetch.ts), what `@sente/client` gives Node
 * through its `"node"` export condition, unless the app passes `fetch`.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { json } from '@sente/packer-json';
import { describe, expect, it } from 'vitest';
import { createSenteClient } from '@sente/client';
import type { SenteClient, SenteClientOptions } from '@sente/client';
import * as nodeEntry from '../src/node.js';
import * as browserEntry from '../src/index.js';
import { handshakeFrame } from './support/raw-servers.js';
import { waitFor } from './support/server.js';
import { useServers } from './support/use-servers.js';

const { clients, startServer, startRawServer } = useServers();

const connect = (url: string, options: SenteClientOptions = {}): SenteClient => {
  const c = createSenteClient(url, null, { type: 'ajax', params: { uid: 'u1' }, backoffMs: () => 20, ...options });
  clients.push(c);
  return c;
};

/** The first line `fetch` (undici) sends and `node:http` does not. */
const viaFetch = (req: IncomingMessage): boolean => req.headers['sec-fetch-mode'] !== undefined;

/** A server that answers the handshake and parks every other poll for ever; `closed` gets an entry per poll socket closed. */
async function startParkingServer() {
  const closed: string[] = [];
  const raw = await startRawServer({
    http(req, res) {
      const url = new URL(`http://x${req.url ?? ''}`);
      if (url.searchParams.has('handshake?')) res.end(handshakeFrame('u1'));
      else req.socket.once('close', () => closed.push('poll'));
    },
  });
  return { raw, closed };
}

describe('the Ajax transport on Node', () => {
  it("is what '@sente/client' gives Node: the same API, its own createSenteClient", () => {
    expect(createSenteClient).toBe(nodeEntry.createSenteClient);
    expect(createSenteClient).not.toBe(browserEntry.createSenteClient);
    expect(Object.keys(nodeEntry).sort()).toEqual(Object.keys(browserEntry).sort());
  });

  it('goes over node:http, one kept-alive socket for the requests that follow each other', async () => {
    const seen: boolean[] = [];
    const sockets = new Set<Socket>();
    const server = await startServer({}, { webSocket: false, setup: (app) => app.use((req, _res, next) => (seen.push(viaFetch(req)), sockets.add(req.socket), next())) });
    server.sente.server.startRouter((msg) => msg.reply?.({ n: msg.data }));
    const c = connect(server.url);
    await waitFor(() => c.state.open, 'open');
    for (let n = 0; n < 5; n++) await expect(c.request(['test/n', n], 2000)).resolves.toEqual({ n });
    expect(seen.length).toBeGreaterThanOrEqual(6);
    expect(seen.every((f) => !f)).toBe(true);
    // The parked poll holds one socket; the POSTs, one after the other, share another.
    expect(sockets.size).toBe(2);
  });

  it("says it is 'node' in User-Agent, as Node's fetch does, unless the app's headers say otherwise", async () => {
    const agents: (string | undefined)[] = [];
    const server = await startServer({}, { webSocket: false, setup: (app) => app.use((req, _res, next) => (agents.push(req.headers['user-agent']), next())) });
    server.sente.server.startRouter((msg) => msg.reply?.('pong'));
    const c = connect(server.url);
    await waitFor(() => c.state.open, 'open');
    await expect(c.request(['test/ping', null], 2000)).resolves.toBe('pong');
    const own = connect(server.url, { headers: { 'User-Agent': 'probe/1' } });
    await waitFor(() => own.state.open, 'open');
    await expect(own.request(['test/ping', null], 2000)).resolves.toBe('pong');
    expect(new Set(agents)).toEqual(new Set(['node', 'probe/1']));
  });

  it('still uses the fetch the app passes', async () => {
    const seen: boolean[] = [];
    const server = await startServer({}, { webSocket: false, setup: (app) => app.use((req, _res, next) => (seen.push(viaFetch(req)), next())) });
    server.sente.server.startRouter((msg) => msg.reply?.('pong'));
    const c = connect(server.url, { fetch: globalThis.fetch });
    await waitFor(() => c.state.open, 'open');
    await expect(c.request(['test/ping', null], 2000)).resolves.toBe('pong');
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.every((f) => f)).toBe(true);
  });

  it('opens at most 6 sockets to a server: the sends past them wait for a free one, and all get their replies', async () => {
    const sockets = new Set<Socket>();
    let posts = 0;
    let peak = 0;
    const raw = await startRawServer({
      http(req, res, body) {
        sockets.add(req.socket);
        const url = new URL(`http://x${req.url ?? ''}`);
        // A Sente server of no extensions: one event per POST, each POST its own request.
        if (req.method === 'GET' && url.searchParams.has('handshake?')) res.end(handshakeFrame('u1'));
        else if (req.method === 'POST') {
          peak = Math.max(peak, ++posts);
          const [ev] = json.unpack(new URLSearchParams(body).get('ppstr') ?? '') as [[string, number]];
          setTimeout(() => {
            posts--;
            res.end(json.pack([ev[1], null]) as string);
          }, 50);
        }
      },
    });
    const c = connect(raw.url);
    await waitFor(() => c.state.open, 'open');
    const replies = await Promise.all(Array.from({ length: 20 }, (_, n) => c.request(['test/n', n], 5000)));
    expect(replies).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect(sockets.size).toBeLessThanOrEqual(6);
    // The parked poll holds one of the six.
    expect(peak).toBe(5);
  });

  it("keeps no socket for another request when the app's headers say Connection: close, though the server's answer does not", async () => {
    const perSocket = new Map<Socket, number>();
    let n = 0;
    const raw = await startRawServer({
      http(req, res, body) {
        perSocket.set(req.socket, (perSocket.get(req.socket) ?? 0) + 1);
        // As uWS does: it closes the connection after the answer, which does not say so.
        res.removeHeader('connection');
        const url = new URL(`http://x${req.url ?? ''}`);
        if (req.method === 'GET' && url.searchParams.has('handshake?')) res.end(handshakeFrame('u1'));
        else if (req.method === 'GET') setTimeout(() => res.end(json.pack([[['test/push', n++]], null]) as string), 20);
        else {
          const [ev] = json.unpack(new URLSearchParams(body).get('ppstr') ?? '') as [[string, number]];
          res.end(json.pack([ev[1], null]) as string);
        }
      },
    });
    const errors: unknown[] = [];
    const c = connect(raw.url, { headers: { Connection: 'close' }, onError: (e) => errors.push(e) });
    const pushes: unknown[] = [];
    c.on('event', ([id, data]) => id === 'test/push' && pushes.push(data));
    await waitFor(() => c.state.open, 'open');
    for (let i = 0; i < 5; i++) await expect(c.request(['test/n', i], 2000)).resolves.toBe(i);
    await waitFor(() => pushes.length >= 5, 'pushes');
    expect(pushes.slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
    expect(errors).toEqual([]);
    expect([...perSocket.values()].every((count) => count === 1)).toBe(true);
  });

  it('destroys the parked poll on disconnect(): the server sees its socket close', async () => {
    const { raw, closed } = await startParkingServer();
    const c = connect(raw.url);
    await waitFor(() => c.state.open && raw.requests.length >= 2, 'a parked poll');
    c.disconnect();
    await waitFor(() => closed.length === 1, 'the poll socket closed');
  });

  it('aborts a poll at ajaxTimeoutMs (its socket closed) and polls again', async () => {
    const { raw, closed } = await startParkingServer();
    const errors: unknown[] = [];
    const c = connect(raw.url, { ajaxTimeoutMs: 300, onError: (e) => errors.push(e) });
    await waitFor(() => c.state.open, 'open');
    await waitFor(() => closed.length >= 1 && raw.requests.length >= 3, 'a timed-out poll, then another');
    expect(c.state.open).toBe(true);
    expect(errors).toEqual([]);
  });

  it('reports ERR_SENTE_UNREACHABLE when nothing listens, as with fetch', async () => {
    const server = await startServer({}, { webSocket: false });
    const url = server.url;
    await server.close();
    const errors: unknown[] = [];
    connect(url, { onError: (e) => errors.push(e) });
    await waitFor(() => errors.length > 0, 'an error');
    expect(errors[0]).toMatchObject({ code: 'ERR_SENTE_UNREACHABLE', cause: expect.any(TypeError) });
  });
});

describe('a Node process with a client over Ajax', () => {
  it('talks to HTTP and HTTPS servers, and exits by itself after disconnect()', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sente-node-fetch-'));
    try {
      // A self-signed certificate for 127.0.0.1, trusted by the child through NODE_EXTRA_CA_CERTS.
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      ], { stdio: 'ignore' });
      const server = await startServer({}, { webSocket: false });
      server.sente.server.startRouter((msg) => msg.reply?.({ echo: msg.data, uid: msg.uid }));
      // The same app over HTTPS.
      const tls = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, server.app);
      await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
      try {
        const secure = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/chsk`;
        const { code, stdout, stderr } = await runScript([server.url, secure], { NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') });
        expect(stderr).toBe('');
        expect(JSON.parse(stdout)).toEqual([
          { echo: 'http', uid: 'u1' },
          { echo: 'https', uid: 'u1' },
        ]);
        expect(code).toBe(0);
      } finally {
        tls.closeAllConnections();
        await new Promise((resolve) => tls.close(resolve));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);
});

const SCRIPT = fileURLToPath(new URL('./support/ajax-then-exit.ts', import.meta.url));

/** Runs support/ajax-then-exit.ts in its own Node process; fails if it has not exited by itself within 10 s. */
function runScript(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--conditions=@sente/source', '--import', 'tsx', SCRIPT, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running 10 s later; stdout: ${stdout}; stderr: ${stderr}`));
    }, 10_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
