import { runAdapterConformance, serveNodeHttp } from '@sente/adapter-conformance';
import type { ConformanceFactory } from '@sente/adapter-conformance';
import { senteHttp } from '../src/index.js';

const factory: ConformanceFactory = async (options) => {
  const sente = senteHttp({ ...options });
  return serveNodeHttp(sente.listener, sente);
};

runAdapterConformance('node', factory);
