import { createServer } from 'node:http';
import type { RequestListener, Server } from 'node:http';

/** A running example app on Node's `http`. */
export interface NodeExample {
  readonly url: string;
  readonly httpServer: Server;
  close(): Promise<void>;
}

/**
 * Serves an example on `host:port` with Sente's upgrade attached (the Express
 * and Koa apps); `close` closes Sente gracefully, then every socket, then the server.
 */
export async function listenWithSente(
  listener: RequestListener,
  sente: { attach(http: Server): unknown; close(): Promise<void> },
  host: string,
  port: number,
): Promise<NodeExample> {
  const httpServer = createServer(listener).listen(port, host);
  await new Promise<void>((resolve, reject) => {
    httpServer.once('listening', resolve);
    httpServer.once('error', reject);
  });
  sente.attach(httpServer);
  const actual = (httpServer.address() as { port: number }).port;
  return {
    url: `http://${host}:${actual}/`,
    httpServer,
    async close() {
      await sente.close();
      httpServer.closeAllConnections();
      await new Promise<void>((r) => httpServer.close(() => r()));
    },
  };
}
