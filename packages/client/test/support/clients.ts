import { createSenteClient } from '../../src/index.js';
import type { SenteClient, SenteClientOptions, StateChange } from '../../src/index.js';
import { FakeClock } from '@sente/core/internal';
import { FakeFetch } from './fake-fetch.js';
import { FakeWebSocket } from './fake-web-socket.js';

/** A client on fakes: a fake clock, fake sockets, fake fetch, recorded errors and state changes. */
export interface Harness {
  readonly client: SenteClient;
  readonly clock: FakeClock;
  readonly fetch: FakeFetch;
  readonly errors: unknown[];
  readonly changes: StateChange[];
}

export const URL_BASE = 'http://127.0.0.1:9/chsk';

/** Creates a client on fakes. `backoffMs` defaults to 0 for attempt 1 and `attempt * 1000` after, for readable waits. */
export function harness(options: SenteClientOptions = {}, csrf: string | null = 'tok'): Harness {
  FakeWebSocket.reset();
  const clock = new FakeClock();
  const fetch = new FakeFetch();
  const errors: unknown[] = [];
  const changes: StateChange[] = [];
  const client = createSenteClient(URL_BASE, csrf, {
    WebSocket: FakeWebSocket,
    fetch: fetch.fetch,
    clock,
    clientId: 'c1',
    backoffMs: (n) => (n <= 1 ? 0 : n * 1000),
    onError: (e) => errors.push(e),
    autoConnect: false,
    ...options,
  });
  client.on('state', (c) => changes.push(c));
  if (options.autoConnect !== false) client.connect();
  return { client, clock, fetch, errors, changes };
}
