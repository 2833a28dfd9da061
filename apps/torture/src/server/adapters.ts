import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import websocket from '@fastify/websocket';
import Koa from 'koa';
import uWS from 'uWebSockets.js';
import type { us_listen_socket } from 'uWebSockets.js';
import type { Packer, SenteServer, SenteServerOptions } from '@sente/core';
import { senteExpress } from '@sente/express';
import { senteFastify } from '@sente/fastify';
import { senteKoa } from '@sente/koa';
import { senteHttp } from '@sente/node';
import { attachSente } from '@sente/uws';
import { json } from '@sente/packer-json';
import { msgpack } from '@sente/packer-msgpack';
import { transit } from '@sente/packer-transit';
import { edn } from '@sente/packer-edn';

/** Every adapter of the repository. */
export const ADAPTERS = ['express', 'fastify', 'koa', 'node', 'uws'] as const;
export type AdapterName = (typeof ADAPTERS)[number];

/** Every packer of the repository, by name. */
export const PACKERS = { json, msgpack, transit, edn } as const satisfies Record<string, Packer>;
export type PackerName = keyof typeof PACKERS;
export const PACKER_NAMES = Object.keys(PACKERS) as PackerName[];

/** The Sente path every server mounts. */
export const SENTE_PATH = '/chsk';

/** A running server: its port on 127.0.0.1, the channel socket server, and how to close both. */
export interface RunningServer {
  readonly port: number;
  readonly server: SenteServer<any>;
  close(): Promise<void>;
}

type Options = Omit<SenteServerOptions<any>, 'packer'> & { packer: Packer };

/** Starts `adapter` on port `port` (0: any) of 127.0.0.1 with Sente on {@link SENTE_PATH}. */
export async function startAdapter(adapter: AdapterName, options: Options, port = 0, uwsMaxBackpressure?: number): Promise<RunningServer> {
  switch (adapter) {
    case 'express': {
      const app = express();
      const sente = senteExpress({ ...options, path: SENTE_PATH });
      app.use(sente.middleware);
      return serveNode(app, sente, port);
    }
    case 'koa': {
      const app = new Koa();
      const sente = senteKoa({ ...options, app, path: SENTE_PATH });
      app.use(sente.middleware);
      return serveNode(app.callback(), sente, port);
    }
    case 'node': {
      const sente = senteHttp({ ...options, path: SENTE_PATH });
      return serveNode(sente.listener, sente, port);
    }
    case 'fastify': {
      const app = Fastify({ forceCloseConnections: true });
      await app.register(websocket);
      await app.register(senteFastify, { ...options, path: SENTE_PATH });
      await app.listen({ host: '127.0.0.1', port });
      return { port: (app.server.address() as AddressInfo).port, server: app.sente, close: () => app.close() };
    }
    case 'uws': {
      const app = uWS.App();
      const sente = attachSente(app, { ...options, path: SENTE_PATH, ...(uwsMaxBackpressure === undefined ? {} : { maxBufferedBytes: uwsMaxBackpressure }) });
      const token = await new Promise<us_listen_socket>((resolve, reject) =>
        app.listen('127.0.0.1', port, (t) => (t ? resolve(t) : reject(new Error(`uWS cannot listen on 127.0.0.1:${port}`)))),
      );
      return {
        port: uWS.us_socket_local_port(token),
        server: sente.server,
        close: async () => {
          await sente.close();
          uWS.us_listen_socket_close(token);
          app.close();
        },
      };
    }
  }
}

interface NodeSente {
  readonly server: SenteServer<any>;
  attach(http: import('node:http').Server): unknown;
  close(): Promise<void>;
}

async function serveNode(listener: RequestListener, sente: NodeSente, port: number): Promise<RunningServer> {
  const http = createServer(listener).listen(port, '127.0.0.1');
  await once(http, 'listening');
  sente.attach(http);
  return {
    port: (http.address() as AddressInfo).port,
    server: sente.server,
    close: async () => {
      await sente.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}
