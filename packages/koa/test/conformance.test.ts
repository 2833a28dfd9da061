import Koa from 'koa';
import { runAdapterConformance, serveNodeHttp } from '@sente/adapter-conformance';
import type { ConformanceFactory } from '@sente/adapter-conformance';
import { senteKoa } from '../src/index.js';

const factory: ConformanceFactory = async (options) => {
  const app = new Koa();
  const sente = senteKoa({ ...options, app });
  app.use(sente.middleware);
  return serveNodeHttp(app.callback(), sente);
};

runAdapterConformance('koa', factory);
