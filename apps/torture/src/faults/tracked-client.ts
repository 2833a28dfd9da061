import { createSenteClient } from '@sente/client';
import type { SenteClient } from '@sente/client';
import type { Packer } from '@sente/core';
import { BrowserLikeWebSocket } from '../good/browser-like-ws.js';
import { CSRF_TOKEN, GOOD_ORIGIN } from '../server/protocol.js';
import { delay } from '../conformance-clients.js';

/**
 * A real `@sente/client` that reconnects fast and records, by event id, the
 * sequence numbers of the pushes it receives (`[id, seq]` or `[id, [seq, data]]`).
 */
export class TrackedClient {
  readonly client: SenteClient;
  readonly seen = new Map<string, number[]>();
  constructor(url: string, packer: Packer, readonly uid: string, type: 'ws' | 'ajax') {
    this.client = createSenteClient(url, CSRF_TOKEN, {
      WebSocket: BrowserLikeWebSocket,
      type,
      packer,
      params: { uid },
      headers: { origin: GOOD_ORIGIN },
      backoffMs: () => 50,
      onError: () => {},
    });
    this.client.on('event', (ev) => {
      const id = ev[0];
      if (id.startsWith('chsk/')) return;
      const d = ev[1];
      const seq = typeof d === 'number' ? d : Array.isArray(d) && typeof d[0] === 'number' ? d[0] : undefined;
      if (seq === undefined) return;
      let list = this.seen.get(id);
      if (list === undefined) this.seen.set(id, (list = []));
      list.push(seq);
    });
  }

  /** Waits until the client is open (false at the deadline). */
  async open(deadlineMs = 10_000): Promise<boolean> {
    const end = Date.now() + deadlineMs;
    while (!this.client.state.open && Date.now() < end) await delay(10);
    return this.client.state.open;
  }

  /** The distinct sequence numbers of `id` seen. */
  count(id: string): number {
    return new Set(this.seen.get(id) ?? []).size;
  }

  /** One request; true when answered with its own data. */
  async request(data: string, timeoutMs = 5000): Promise<boolean> {
    try {
      return (await this.client.request(['good/echo', data], timeoutMs)) === data;
    } catch {
      return false;
    }
  }

  stop(): void {
    this.client.disconnect();
  }
}
