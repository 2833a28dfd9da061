import { once } from 'node:events';
import express from 'express';
import { runAdapterConformance } from '@sente/adapter-conformance';
import type { ConformanceFactory } from '@sente/adapter-conformance';
import type { AddressInfo } from 'node:net';
import { json } from '@sente/packer-json';
import { msgpack } from '@sente/packer-msgpack';
import { transit } from '@sente/packer-transit';
import { edn } from '@sente/packer-edn';
import { senteExpress } from '../src/index.js';

const factory: ConformanceFactory = async (options) => {
  const app = express();
  const sente = senteExpress({ ...options });
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

// Express is the reference adapter: it runs the suite with every packer, so each
// packer is proven end to end on both transports (binary frames and POSTs included).
runAdapterConformance('express', factory, { packers: [json, msgpack, transit, edn] });
