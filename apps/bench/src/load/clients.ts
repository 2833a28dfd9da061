/**
 * Each library's own client, for what the client costs: `@sente/client`,
 * `socket.io-client`, and a bare `ws` client speaking the raw protocol.
 */
import WebSocket from 'ws';
import { createSenteClient } from '@sente/client';
import { io } from 'socket.io-client';
import type { Family } from '../targets.js';
import { ECHO_DATA, ECHO_ID } from '../wire.js';
import { openWsPeer } from './ws-peers.js';
import type { Peer } from './ws-peers.js';

/**
 * Opens the client of `family` over `transport`; resolves once it is connected. `bare`: the bare client on
 * Sente's wire, asking for the extensions and giving every request a message id, as `@sente/client` does.
 */
export function openClient(family: Family, transport: 'ws' | 'ajax', port: number, i: number, bare = false): Promise<Peer> {
  if (family === 'raw' || bare) {
    if (transport !== 'ws') throw new Error('the bare client is WebSocket only');
    // It serialises each request, as any client must.
    return family === 'raw' ? openWsPeer('raw', port, i, () => {}, { encodeEach: true }) : openWsPeer('sente', port, i, () => {}, { ext: true, messageIds: true, encodeEach: true });
  }
  return family === 'sente' ? senteClient(transport, port, i) : socketIoClient(transport, port);
}

function senteClient(transport: 'ws' | 'ajax', port: number, i: number): Promise<Peer> {
  const client = createSenteClient(`http://127.0.0.1:${port}/chsk`, null, {
    type: transport,
    WebSocket: WebSocket as never,
    params: { uid: `u${i}` },
  });
  const peer: Peer = {
    request(done, failed) {
      client.request([ECHO_ID, ECHO_DATA], 30_000).then(done, (e: Error) => failed(e.message));
    },
    close: () => client.disconnect(),
  };
  return new Promise((resolve) => {
    if (client.state.open) resolve(peer);
    else client.on('handshake', () => resolve(peer));
  });
}

function socketIoClient(transport: 'ws' | 'ajax', port: number): Promise<Peer> {
  const socket = io(`http://127.0.0.1:${port}`, {
    transports: [transport === 'ws' ? 'websocket' : 'polling'],
    forceNew: true,
    reconnection: false,
  });
  const peer: Peer = {
    request(done) {
      socket.emit('echo', ECHO_DATA, () => done());
    },
    close: () => void socket.disconnect(),
  };
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(peer));
    socket.once('connect_error', reject);
  });
}
