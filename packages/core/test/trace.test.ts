import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Keyword } from '../src/keyword.js';
import { Harness } from './support/harness.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${CLIENT_SPAN}-01`;
const EXT = { 'sente-ext': '1' };

describe('W3C trace context', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    context.setGlobalContextManager(manager.enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(provider);
  });
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
  });

  /** A server whose handler answers `app/traced` inside a span of its own. */
  function tracedServer(): Harness {
    const h = new Harness();
    h.server.startRouter((msg) => {
      if (msg.id !== 'app/traced') return;
      trace.getTracer('app').startActiveSpan('handler', (span) => {
        msg.reply?.('ok');
        span.end();
      });
    });
    return h;
  }

  it('runs a WebSocket event’s handler in the client’s trace context, and sends the handler’s back with the reply', async () => {
    exporter.reset();
    const h = tracedServer();
    const w = await h.ws('c1', { uid: 'alice', query: EXT });
    w.send([Keyword.for('app/traced'), 1], 'cb1', { m: 'm1', t: TRACEPARENT, s: 'vendor=x' });
    const [span] = exporter.getFinishedSpans();
    expect(span?.spanContext().traceId).toBe(TRACE_ID);
    expect(span?.parentSpanContext?.spanId).toBe(CLIENT_SPAN);
    const reply = w.frames().find((f) => Array.isArray(f) && f[1] === 'cb1') as unknown[];
    expect(reply).toEqual(['ok', 'cb1', { t: `00-${TRACE_ID}-${span?.spanContext().spanId}-01`, s: 'vendor=x' }]);
  });

  it('does the same for an Ajax POST, and leaves events without a trace context and their replies as they were', async () => {
    exporter.reset();
    const h = tracedServer();
    const post = await h.post('a1', [[Keyword.for('app/traced'), 1], Keyword.for('ajax'), { t: TRACEPARENT }], { uid: 'bob', query: EXT });
    const [span] = exporter.getFinishedSpans();
    expect(span?.parentSpanContext?.spanId).toBe(CLIENT_SPAN);
    expect(post.body()).toEqual(['ok', null, { t: `00-${TRACE_ID}-${span?.spanContext().spanId}-01` }]);
    // No trace context in: a root span, and a Sente reply.
    const plain = await h.post('a1', [[Keyword.for('app/traced'), 2], Keyword.for('ajax')], { uid: 'bob', query: EXT });
    expect(exporter.getFinishedSpans()[1]?.parentSpanContext).toBeUndefined();
    expect(plain.body()).toEqual(['ok', null]);
  });

  it('refuses a malformed trace context as a bad package', async () => {
    const h = tracedServer();
    const w = await h.ws('c1', { uid: 'alice', query: EXT });
    w.send([Keyword.for('app/traced'), 1], 'cb1', { t: 'x'.repeat(65) });
    expect(w.closed?.code).toBe(1007);
  });
});
