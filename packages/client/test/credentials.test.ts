import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { createSenteClient, refreshCredentials } from '../src/node.js';
import type { SenteClient } from '../src/node.js';
import { handshakeFrame } from './support/raw-servers.js';
import type { RawServer } from './support/raw-servers.js';
import { waitFor } from './support/server.js';
import { useServers } from './support/use-servers.js';

let raw: RawServer | undefined;
const { clients, startRawServer } = useServers();

function client(url: string): SenteClient {
  const c = createSenteClient(url, () => 'token-1', { WebSocket, type: 'ws', params: { uid: 'u1' }, backoffMs: () => 20, onError: () => {} });
  clients.push(c);
  return c;
}

describe('refreshCredentials', () => {
  it('rejects with ERR_SENTE_UNSUPPORTED against a Sente server (no refresh in its handshake), and sends it nothing', async () => {
    raw = await startRawServer({ ws: (s) => s.send(handshakeFrame('u1')) });
    const c = client(raw.url);
    await waitFor(() => c.state.open, 'open');
    await expect(refreshCredentials(c, { params: { uid: 'u2' } })).rejects.toMatchObject({ code: 'ERR_SENTE_UNSUPPORTED' });
    expect(raw.frames.some((f) => f.includes('chsk/refresh'))).toBe(false);
    expect(c.state).toMatchObject({ open: true, uid: 'u1' });
  });

  it('rejects with ERR_SENTE_CLOSED when not open, and the credentials go with the next connection', async () => {
    raw = await startRawServer({ ws: (s) => s.send(handshakeFrame('u1', { v: 1, refresh: 1, rk: 'k' })) });
    const c = createSenteClient(raw.url, () => 'token-1', { WebSocket, type: 'ws', params: { uid: 'u1' }, autoConnect: false, onError: () => {} });
    clients.push(c);
    await expect(refreshCredentials(c, { params: { uid: 'u2' }, csrfToken: 'token-2' })).rejects.toMatchObject({ code: 'ERR_SENTE_CLOSED' });
    c.connect();
    await waitFor(() => c.state.open, 'open');
    const q = new URL(`http://x${raw.requests[0] ?? ''}`).searchParams;
    expect([q.get('uid'), q.get('csrf-token')]).toEqual(['u2', 'token-2']);
  });

  it('sends chsk/refresh with every current credential and takes the answer’s uid; a refusal’s code rejects and changes nothing', async () => {
    const got: unknown[] = [];
    raw = await startRawServer({
      ws(s) {
        s.send(handshakeFrame('u1', { v: 1, refresh: 1, rk: 'key-1', ttl: 60_000 }));
        s.on('message', (d) => {
          const [ev, cbId] = JSON.parse(String(d)) as [[string, Record<string, unknown>], string];
          if (ev[0] !== 'chsk/refresh') return;
          got.push(ev[1]);
          s.send(JSON.stringify([ev[1]['csrf-token'] === 'bad' ? 'ERR_SENTE_BAD_CSRF' : ['u2', 5000, 'e2', 7], cbId]));
        });
      },
    });
    const c = client(raw.url);
    await waitFor(() => c.state.open, 'open');
    await expect(refreshCredentials(c, { params: { uid: 'u2' }, headers: { 'x-token': 't' } })).resolves.toEqual({ uid: 'u2', expiresInMs: 5000 });
    expect(got[0]).toEqual({ params: { uid: 'u2' }, headers: { 'x-token': 't' }, 'csrf-token': 'token-1', uid: 'u1', key: 'key-1' });
    expect(c.state.uid).toBe('u2');
    await expect(refreshCredentials(c, { csrfToken: 'bad' })).rejects.toMatchObject({ code: 'ERR_SENTE_BAD_CSRF' });
    expect(c.state).toMatchObject({ open: true, uid: 'u2' });
  });
});
