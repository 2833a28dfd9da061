import { once } from 'node:events';
import { createServer } from 'node:http';
import type { RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SenteServer } from '@sente/core';
import type { ConformanceServer } from './harness.js';

/** What the Node-based adapters (@sente/node, @sente/express, @sente/koa) return. */
export interface NodeSente {
  readonly server: SenteServer<any>;
  attach(http: Server): unknown;
  close(): Promise<void>;
}

/**
 * Serves `listener` on a Node `http.Server` on port 0 of 127.0.0.1, with the
 * adapter's upgrade attached; `close` closes Sente, then every socket, then
 * the server.
 */
export async function serveNodeHttp(listener: RequestListener, sente: NodeSente, path = '/chsk'): Promise<ConformanceServer> {
  const http = createServer(listener).listen(0, '127.0.0.1');
  await once(http, 'listening');
  sente.attach(http);
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    server: sente.server,
    close: async () => {
      await sente.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}
