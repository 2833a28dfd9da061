import Fastify from 'fastify';
import websocket from '@fastify/websocket';
import { runAdapterConformance } from '@sente/adapter-conformance';
import type { ConformanceFactory } from '@sente/adapter-conformance';
import type { AddressInfo } from 'node:net';
import { senteFastify } from '../src/index.js';

const factory: ConformanceFactory = async (options) => {
  // Closes idle keep-alive connections once the preClose hooks (Sente's close) ran.
  const app = Fastify({ forceCloseConnections: true });
  await app.register(websocket);
  await app.register(senteFastify, { ...options });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/chsk`,
    server: app.sente,
    close: () => app.close(),
  };
};

runAdapterConformance('fastify', factory);
