import express from 'express';
import { runAdapterConformance, serveNodeHttp } from '@sente/adapter-conformance';
import type { ConformanceFactory } from '@sente/adapter-conformance';
import { json } from '@sente/packer-json';
import { msgpack } from '@sente/packer-msgpack';
import { transit } from '@sente/packer-transit';
import { edn } from '@sente/packer-edn';
import { senteExpress } from '../src/index.js';

const factory: ConformanceFactory = async (options) => {
  const app = express();
  const sente = senteExpress({ ...options });
  app.use(sente.middleware);
  return serveNodeHttp(app, sente);
};

// Express is the reference adapter: it runs the suite with every packer, so each
// packer is proven end to end on both transports (binary frames and POSTs included).
runAdapterConformance('express', factory, { packers: [json, msgpack, transit, edn] });

// The same suite with Ajax answered before the app (`ajaxBeforeApp`): the protocol is the same on either way in.
const beforeApp: ConformanceFactory = async (options) => {
  const app = express();
  const sente = senteExpress({ ...options, ajaxBeforeApp: app });
  app.use(sente.middleware);
  return serveNodeHttp(app, sente);
};

runAdapterConformance('express, Ajax before the app', beforeApp, { packers: [json] });
