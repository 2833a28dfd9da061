import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { createSenteClient } from '../src/node.js';
import type { ClientType, SenteClient } from '../src/node.js';
import { waitFor } from './support/server.js';
import { useServers } from './support/use-servers.js';
import type { TestServer } from './support/server.js';

let server: TestServer | undefined;
const { clients, startServer } = useServers();

describe('CSRF token against an Express server that checks it', () => {
  for (const type of ['ws', 'ajax'] as ClientType[]) {
    it(`is accepted over ${type}, on the handshake and on sends`, async () => {
      server = await startServer({ csrfToken: () => 'secret-token' });
      server.sente.server.startRouter((msg) => {
        msg.reply?.('ok');
      });
      let calls = 0;
      const c = createSenteClient(server.url, () => (calls++, 'secret-token'), { type, WebSocket, params: { uid: 'cs' } });
      clients.push(c);
      await waitFor(() => c.state.open, 'open');
      await expect(c.request(['test/checked'], 2000)).resolves.toBe('ok');
      // The token function is asked for each request, so a rotated token is picked up.
      expect(calls).toBeGreaterThanOrEqual(type === 'ws' ? 1 : 3);
    });
  }

  it('a wrong token never opens, over WebSocket or the Ajax fallback', async () => {
    server = await startServer({ csrfToken: () => 'secret-token' });
    const c = createSenteClient(server.url, 'wrong', { WebSocket, params: { uid: 'cs' }, backoffMs: () => 20 });
    clients.push(c);
    // Every close the client went through: the refused upgrade's downgrade, then the Ajax 403, which stops it.
    const reasons: (string | undefined)[] = [];
    c.on('state', ({ new: s }) => reasons.push(s.lastClose?.reason));
    await waitFor(() => reasons.includes('downgrading-ws-to-ajax') && c.state.lastClose?.reason === 'rejected', 'the downgrade, then the Ajax refusal');
    await new Promise((r) => setTimeout(r, 200));
    expect(c.state.everOpened).toBe(false);
  });
});
