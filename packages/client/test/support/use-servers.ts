import { afterEach } from 'vitest';
import { startProxy } from '@sente/adapter-conformance/tcp-proxy';
import type { SenteClient } from '../../src/index.js';
import { startRawServer } from './raw-servers.js';
import { startServer } from './server.js';

/** What a test file starts through {@link useServers}; all of it is stopped after each test. */
export interface Servers {
  /** Clients pushed here are disconnected after each test, before the servers close. */
  readonly clients: SenteClient[];
  startServer: typeof startServer;
  startRawServer: typeof startRawServer;
  startProxy: typeof startProxy;
}

/**
 * Registers an afterEach that disconnects the file's clients, then closes
 * the servers and proxies started through the returned functions, the last
 * started first (each once: one a test closed itself is not closed again).
 */
export function useServers(): Servers {
  const clients: SenteClient[] = [];
  const open: { close(): Promise<void> }[] = [];
  const tracked = <A extends unknown[], T extends { close(): Promise<void> }>(start: (...args: A) => Promise<T>) =>
    async (...args: A): Promise<T> => {
      const s = await start(...args);
      // Closed once, whether the test closes it first or not.
      const close = s.close.bind(s);
      let closing: Promise<void> | undefined;
      s.close = () => (closing ??= close());
      open.push(s);
      return s;
    };
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    for (const s of open.splice(0).reverse()) await s.close();
  });
  return { clients, startServer: tracked(startServer), startRawServer: tracked(startRawServer), startProxy: tracked(startProxy) };
}
