import type { SenteEvent } from '@sente/core';
import type { TestServer } from './harness.js';
import type { RawAjaxClient } from './ajax-client.js';
import type { RawWsClient } from './ws-client.js';

/** Sente's two transports. */
export type Transport = 'ws' | 'ajax';

/** The transports' names in test titles. */
export const TRANSPORT_NAMES: Readonly<Record<Transport, string>> = { ws: 'WebSocket', ajax: 'Ajax' };

/**
 * A connected client on either transport, for the cases whose rule is the
 * same on both: a WebSocket after its handshake, or an Ajax client after its
 * handshake with a poll loop running.
 */
export interface Peer {
  readonly transport: Transport;
  readonly clientId: string;
  /** The next push batch the client received. */
  nextPush(): Promise<SenteEvent[]>;
  /**
   * Leaves: the WebSocket closes; the Ajax client stops polling, aborting its
   * parked poll, or with `abort: false` once the poll is answered.
   */
  leave(options?: { abort?: boolean }): Promise<void>;
}

/** Options of {@link connect}. */
export interface PeerOptions {
  /** The uid the suite's `userId` gives the client. @default none (`sente/nil-uid`) */
  uid?: string | undefined;
  /** @default a random id */
  clientId?: string | undefined;
}

/** Connects a client on `transport`. */
export async function connect(t: TestServer, transport: Transport, options: PeerOptions = {}): Promise<Peer> {
  const params = options.uid === undefined ? {} : { uid: options.uid };
  if (transport === 'ws') return wsPeer(await t.ws({ params, clientId: options.clientId }));
  const c = t.ajax({ params, clientId: options.clientId });
  await c.handshake();
  c.startPolling();
  return ajaxPeer(c);
}

function wsPeer(c: RawWsClient): Peer {
  return {
    transport: 'ws',
    clientId: c.clientId ?? '',
    nextPush: () => c.nextPush(),
    leave: async () => {
      await c.close();
    },
  };
}

function ajaxPeer(c: RawAjaxClient): Peer {
  return {
    transport: 'ajax',
    clientId: c.clientId ?? '',
    nextPush: () => c.nextPush(),
    leave: (options) => c.stopPolling(options),
  };
}

/** Collects push batches until `count` events arrived. */
export async function collectBatches(peer: Peer, count: number): Promise<SenteEvent[][]> {
  const batches: SenteEvent[][] = [];
  let n = 0;
  while (n < count) {
    const b = await peer.nextPush();
    batches.push(b);
    n += b.length;
  }
  return batches;
}
