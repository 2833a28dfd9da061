import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { createSenteClient } from '../src/node.js';
import type { SenteClient, SenteEvent } from '../src/node.js';
import { waitFor } from './support/server.js';
import { useServers } from './support/use-servers.js';
import type { StartOptions, TestServer } from './support/server.js';
import type { SenteExpressOptions } from '@sente/express';

let server: TestServer | undefined;
const { clients, startServer } = useServers();

/** Starts a server, connects an auto client, and checks it works end to end. */
async function connectsAndWorks(options: SenteExpressOptions, start: StartOptions = {}): Promise<SenteClient> {
  server = await startServer(options, start);
  server.sente.server.startRouter((msg) => {
    msg.reply?.({ via: msg.transport });
  });
  const c = createSenteClient(server.url, null, { WebSocket, params: { uid: 'au' } });
  clients.push(c);
  const got: SenteEvent[] = [];
  c.on('event', (e) => got.push(e));
  await waitFor(() => c.state.open, 'open');
  await expect(c.request(['test/which'], 2000)).resolves.toEqual({ via: c.state.type });
  const s = server;
  await waitFor(() => s.sente.server.connectedUids.any.has('au'), 'uid connected');
  s.sente.server.send('au', ['test/push', 1]);
  await waitFor(() => got.length === 1, 'push');
  return c;
}

describe("type 'auto' against an Express server", () => {
  it('uses WebSocket when the server takes it', async () => {
    const c = await connectsAndWorks({});
    expect(c.state.type).toBe('ws');
  });

  it('falls back to Ajax when the server refuses the upgrade with a 403', async () => {
    const c = await connectsAndWorks({ reject: (req) => (req.websocket ? { status: 403, body: 'no ws' } : null) });
    expect(c.state).toMatchObject({ type: 'ajax', lastClose: { reason: 'downgrading-ws-to-ajax' } });
    expect(c.state.lastWsError).not.toBeNull();
  });

  it('falls back to Ajax when the upgrade request is dropped (no WebSocket support behind a proxy)', async () => {
    const c = await connectsAndWorks({}, { webSocket: false });
    expect(c.state.type).toBe('ajax');
  });

  it('reconnect() tries WebSocket again, and uses it once the server takes it', async () => {
    let refuse = true;
    const c = await connectsAndWorks({ reject: (req) => (refuse && req.websocket ? { status: 403, body: 'no ws' } : null) });
    expect(c.state.type).toBe('ajax');
    refuse = false;
    c.reconnect();
    await waitFor(() => c.state.open && c.state.type === 'ws', 'open on ws');
  });
});
