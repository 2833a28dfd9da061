import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

/** Options of {@link startTelemetry}. */
export interface TelemetryOptions {
  /** Where finished spans go (the console, an OTLP exporter, a test's in-memory exporter). @default none */
  spanExporter?: SpanExporter | undefined;
  /** More metric readers besides Prometheus (a test's in-memory reader). @default [] */
  readers?: MetricReader[] | undefined;
}

/** The OpenTelemetry SDK of the app: metrics for Prometheus, and traces. */
export interface Telemetry {
  /** Serves the Prometheus text format: mount its request handler on a route. */
  readonly prometheus: PrometheusExporter;
  readonly meterProvider: MeterProvider;
  readonly tracerProvider: BasicTracerProvider;
  /** Flushes and unregisters everything. */
  shutdown(): Promise<void>;
}

/**
 * Registers the OpenTelemetry SDK: a meter provider read by a Prometheus
 * exporter (served by the app's own HTTP server, not a second port), and a
 * tracer provider with the W3C trace-context propagator and an
 * AsyncLocalStorage context manager, so that a handler's spans are children
 * of the trace context a client sent with its event.
 */
export function startTelemetry(options: TelemetryOptions = {}): Telemetry {
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [prometheus, ...(options.readers ?? [])] });
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: options.spanExporter === undefined ? [] : [new SimpleSpanProcessor(options.spanExporter)],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(tracerProvider);
  return {
    prometheus,
    meterProvider,
    tracerProvider,
    async shutdown() {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
