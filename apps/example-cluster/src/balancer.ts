import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createProxyServer } from 'http-proxy-3';

/** A running balancer. */
export interface Balancer {
  /** `http://<host>:<port>/` */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A round-robin HTTP and WebSocket balancer with no affinity: each request
 * and each WebSocket upgrade goes to the next target in turn, so one client's
 * long-polls and POSTs land on different processes. (What a production load
 * balancer does with `least_conn` or round-robin and no sticky sessions; see
 * docs/guides/scaling.md for nginx.)
 */
export async function startBalancer(targets: readonly string[], options: { port: number; host: string }): Promise<Balancer> {
  if (targets.length === 0) throw new Error('the balancer needs at least one target');
  // No timeout of its own: a long-poll is parked upstream for up to 20 s by default.
  const proxy = createProxyServer({ xfwd: true });
  let next = 0;
  const pick = (): string => targets[next++ % targets.length] as string;

  proxy.on('error', (_err: Error, _req: IncomingMessage, target: ServerResponse | Socket) => {
    // A process that is down: a 502 for this request (the client retries), never a crash.
    if ('writeHead' in target) {
      if (!target.headersSent) target.writeHead(502, { 'content-type': 'text/plain' });
      target.end('Bad gateway');
    } else {
      target.destroy();
    }
  });

  const server = createServer((req, res) => void proxy.web(req, res, { target: pick() }));
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    void proxy.ws(req, socket, head, { target: pick() });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${options.host}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        proxy.close();
      }),
  };
}
