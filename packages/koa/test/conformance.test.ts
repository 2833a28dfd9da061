import { once } from 'node:events';
import Koa from 'koa';
import { runAdapterConformance } from '@sente/adapter-conformance';
import type { ConformanceFactory } from '@sente/adapter-conformance';
import type { AddressInfo } from 'node:net';
import { senteKoa } from '../src/index.js';

const factory: ConformanceFactory = async (options) => {
  const app = new Koa();
  const sente = senteKoa({ ...options, app });
  app.use(sente.middleware);
  const http = app.listen(0, '127.0.0.1');
  await once(http, 'listening');
  sente.attach(http);
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/chsk`,
    server: sente.server,
    close: async () => {
      await sente.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
};

runAdapterConformance('koa', factory);
