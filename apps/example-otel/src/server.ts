import { once } from 'node:events';
import express from 'express';
import { senteExpress } from '@sente/express';
import type { SenteExpress } from '@sente/express';
import type { Telemetry } from './telemetry.js';

/** A running example server. */
export interface ExampleServer {
  /** The Sente path, `http://127.0.0.1:<port>/chsk`. */
  readonly url: string;
  /** The Prometheus scrape endpoint. */
  readonly metricsUrl: string;
  readonly sente: SenteExpress;
  close(): Promise<void>;
}

/**
 * Sente over Express, its metrics on the SDK's meter and scraped at
 * `/metrics`, its `app/echo` handler working inside a span of its own: with a
 * client's trace context, that span is the child of the client's.
 * The uid is the `user` query parameter; `user=banned` is refused.
 */
export async function startServer(telemetry: Telemetry, port = 0, host = '127.0.0.1'): Promise<ExampleServer> {
  const sente = senteExpress({
    csrfToken: null,
    userId: (req) => req.query['user'],
    authorized: (req) => req.query['user'] !== 'banned',
    meter: telemetry.meterProvider.getMeter('@sente/core'),
  });
  const tracer = telemetry.tracerProvider.getTracer('example-otel');
  sente.server.startRouter((msg) => {
    if (msg.id !== 'app/echo') return;
    tracer.startActiveSpan('app/echo', (span) => {
      span.setAttribute('sente.uid', msg.uid);
      msg.reply?.(msg.data);
      span.end();
    });
  });
  const app = express();
  app.get('/metrics', (req, res) => telemetry.prometheus.getMetricsRequestHandler(req, res));
  app.use(sente.middleware);
  const http = app.listen(port, host);
  await once(http, 'listening');
  sente.attach(http);
  const address = http.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  return {
    url: `http://${host}:${bound}/chsk`,
    metricsUrl: `http://${host}:${bound}/metrics`,
    sente,
    async close() {
      await sente.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
