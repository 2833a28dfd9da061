import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { trace } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { DataPoint, Histogram } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createSenteClient, refreshCredentials } from '@sente/client';
import type { SenteClient, SenteClientOptions } from '@sente/client';
import { startServer } from '../src/server.js';
import { startTelemetry } from '../src/telemetry.js';
import type { ExampleServer } from '../src/server.js';
import type { Telemetry } from '../src/telemetry.js';

let telemetry: Telemetry | undefined;
let server: ExampleServer | undefined;
const clients: SenteClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await server?.close();
  await telemetry?.shutdown();
  server = undefined;
  telemetry = undefined;
});

async function until(cond: () => unknown, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function client(s: ExampleServer, options: SenteClientOptions): SenteClient {
  const c = createSenteClient(s.url, null, { WebSocket, onError: () => {}, ...options });
  clients.push(c);
  return c;
}

type Points = Map<string, DataPoint<unknown>[]>;

async function collect(reader: PeriodicExportingMetricReader): Promise<Points> {
  const { resourceMetrics } = await reader.collect();
  const out: Points = new Map();
  for (const scope of resourceMetrics.scopeMetrics) for (const m of scope.metrics) out.set(m.descriptor.name, m.dataPoints);
  return out;
}

const valueOf = (points: Points, name: string, attrs: Record<string, unknown>): unknown =>
  points.get(name)?.find((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v))?.value;

describe('the OpenTelemetry example', () => {
  it('records connections, events, pushes, close codes, rejections and reply times, and serves them to a Prometheus scrape', async () => {
    const reader = new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 3_600_000 });
    telemetry = startTelemetry({ readers: [reader] });
    server = await startServer(telemetry);
    const alice = client(server, { type: 'ws', params: { user: 'alice' } });
    const bob = client(server, { type: 'ajax', params: { user: 'bob' } });
    const banned = client(server, { type: 'ajax', params: { user: 'banned' } });
    const pushed: unknown[] = [];
    alice.on('event', (e) => pushed.push(e));
    await until(() => alice.state.open && bob.state.open, 'the clients to open');
    await until(() => banned.state.lastClose?.reason === 'rejected', 'the refusal');
    await expect(alice.request(['app/echo', 1], 3000)).resolves.toBe(1);
    await expect(bob.request(['app/echo', 2], 3000)).resolves.toBe(2);
    // Bob's Ajax client counts once its poll parks.
    await until(() => server?.sente.server.connectedUids.ajax.has('bob'), 'bob to poll');
    server.sente.server.send('alice', ['app/news', 'hi'], { flush: true });
    await until(() => pushed.length === 1, 'the push');
    server.sente.server.expire('alice');
    await until(() => alice.state.lastClose?.reason === 'rejected', 'alice to be closed');

    const got = await collect(reader);
    expect(valueOf(got, 'sente.connections', { transport: 'ws' })).toBe(0);
    expect(valueOf(got, 'sente.connections', { transport: 'ajax' })).toBe(1);
    expect(valueOf(got, 'sente.events.received', { transport: 'ws' })).toBe(1);
    expect(valueOf(got, 'sente.events.received', { transport: 'ajax' })).toBe(1);
    expect(valueOf(got, 'sente.pushes', {})).toBe(1);
    expect(valueOf(got, 'sente.ws.closes', { code: 4401 })).toBe(1);
    expect(valueOf(got, 'sente.errors', { code: 'ERR_SENTE_UNAUTHORIZED' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(got, 'sente.errors', { code: 'ERR_SENTE_CREDENTIALS_EXPIRED' })).toBe(1);
    expect(valueOf(got, 'sente.credentials', { outcome: 'expired' })).toBe(1);
    for (const transport of ['ws', 'ajax']) {
      const h = valueOf(got, 'sente.reply.duration', { transport }) as Histogram;
      expect(h.count).toBe(1);
      expect(h.sum).toBeGreaterThanOrEqual(0);
    }

    // The same figures, scraped over HTTP as Prometheus does.
    const res = await fetch(server.metricsUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    const line = (re: RegExp): void => expect(text).toMatch(re);
    line(/^sente_events_received_total\{[^}]*transport="ws"[^}]*\} 1$/m);
    line(/^sente_events_received_total\{[^}]*transport="ajax"[^}]*\} 1$/m);
    line(/^sente_connections\{[^}]*transport="ajax"[^}]*\} 1$/m);
    line(/^sente_ws_closes_total\{[^}]*code="4401"[^}]*\} 1$/m);
    line(/^sente_errors_total\{[^}]*code="ERR_SENTE_CREDENTIALS_EXPIRED"[^}]*\} 1$/m);
    line(/^sente_reply_duration(_ms|_milliseconds)?_count\{[^}]*transport="ws"[^}]*\} 1$/m);
    line(/^sente_pushes_total\{[^}]*\} 1$/m);
  });

  it('runs a handler in the trace context a client sends with its request, on both transports', async () => {
    const spans = new InMemorySpanExporter();
    telemetry = startTelemetry({ spanExporter: spans });
    server = await startServer(telemetry);
    const tracer = trace.getTracer('browser');
    // A handler that asks the client back, from inside its span: the request carries the span's context.
    server.sente.server.startRouter((msg) => {
      if (msg.id !== 'app/ask') return;
      void trace.getTracer('server').startActiveSpan('app/ask', async (span) => {
        msg.reply?.(await msg.server.request({ uid: msg.uid, clientId: msg.clientId }, ['app/confirm', 1], 3000));
        span.end();
      });
    });
    for (const type of ['ws', 'ajax'] as const) {
      spans.reset();
      const clientSpan = tracer.startSpan(`click ${type}`);
      const { traceId, spanId } = clientSpan.spanContext();
      const c = client(server, {
        type,
        params: { user: 'carol' },
        // What a browser app does with its own OpenTelemetry span.
        traceContext: () => ({ traceparent: `00-${traceId}-${spanId}-01` }),
      });
      await until(() => c.state.open, 'the client to open');
      await expect(c.request(['app/echo', type], 3000)).resolves.toBe(type);
      clientSpan.end();
      const handler = spans.getFinishedSpans().find((s) => s.name === 'app/echo');
      expect(handler?.spanContext().traceId).toBe(traceId);
      expect(handler?.parentSpanContext?.spanId).toBe(spanId);
      expect(handler?.attributes['sente.uid']).toBe('carol');
      // A refresh is no app event: no handler span.
      await refreshCredentials(c, { params: { user: 'carol' } });
      expect(spans.getFinishedSpans().filter((s) => s.name === 'app/echo')).toHaveLength(1);
      // Server→client: the client's router gets the trace context of the server's span.
      const seen: (string | undefined)[] = [];
      c.startRouter((msg) => {
        if (msg.id !== 'app/confirm') return;
        seen.push(msg.traceContext?.traceparent);
        msg.reply?.('yes');
      });
      await expect(c.request(['app/ask'], 3000)).resolves.toBe('yes');
      const ask = spans.getFinishedSpans().find((s) => s.name === 'app/ask');
      expect(ask?.parentSpanContext?.spanId).toBe(spanId);
      expect(seen).toEqual([`00-${traceId}-${ask?.spanContext().spanId}-01`]);
      c.disconnect();
    }
  });
});
