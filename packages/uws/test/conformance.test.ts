import uWS from 'uWebSockets.js';
import { runAdapterConformance } from '@sente/adapter-conformance';
import type { ConformanceFactory } from '@sente/adapter-conformance';
import type { us_listen_socket } from 'uWebSockets.js';
import { attachSente } from '../src/index.js';

const factory: ConformanceFactory = async (options) => {
  const app = uWS.App();
  const sente = attachSente(app, { ...options });
  const token = await new Promise<us_listen_socket>((resolve, reject) =>
    app.listen('127.0.0.1', 0, (t) => (t ? resolve(t) : reject(new Error('Cannot listen on 127.0.0.1')))),
  );
  return {
    url: `http://127.0.0.1:${uWS.us_socket_local_port(token)}/chsk`,
    server: sente.server,
    close: async () => {
      await sente.close();
      uWS.us_listen_socket_close(token);
      // Drops the idle keep-alive connections too.
      app.close();
    },
  };
};

runAdapterConformance('uws', factory);
