import express from 'express';
import { senteExpress } from '@sente/express';
import type { SenteExpress, SenteExpressOptions } from '@sente/express';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real Sente server: Express on 127.0.0.1, a free port. */
export interface TestServer {
  readonly sente: SenteExpress;
  readonly http: HttpServer;
  readonly app: express.Express;
  /** The upgrade handler's `ws` server, when WebSocket is on. */
  readonly upgrade: ReturnType<SenteExpress['attach']> | undefined;
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** `http://127.0.0.1:<port>/chsk`. */
  readonly url: string;
  close(): Promise<void>;
}

/** How to start a {@link TestServer}. */
export interface StartOptions {
  /** Runs before Sente's middleware, to add routes. */
  setup?: (app: express.Express) => void;
  /** The port. @default 0 */
  port?: number;
  /** Handle WebSocket upgrades; without, Node destroys every upgrade request's socket. @default true */
  webSocket?: boolean;
}

/**
 * Starts Express with Sente on `/chsk`: uid from the `uid` query param,
 * handshake data `{ hello: uid }`, no CSRF check unless given.
 */
export async function startServer(options: SenteExpressOptions = {}, start: StartOptions = {}): Promise<TestServer> {
  const { setup, port = 0, webSocket = true } = start;
  const app = express();
  setup?.(app);
  const sente = senteExpress({
    csrfToken: null,
    userId: (req) => req.query['uid'] ?? null,
    handshakeData: (req) => ({ hello: req.query['uid'] ?? null }),
    // Tests reach the server's sockets through ws's `wss.clients`.
    wsOptions: { clientTracking: true },
    ...options,
  });
  app.use(sente.middleware);
  const http = await new Promise<HttpServer>((resolve) => {
    const s = app.listen(port, '127.0.0.1', () => resolve(s));
  });
  const upgrade = webSocket ? sente.attach(http) : undefined;
  const origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    sente,
    http,
    app,
    upgrade,
    origin,
    url: `${origin}/chsk`,
    async close() {
      await sente.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** Waits until `check` returns true (real time), or fails after `timeoutMs`. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
