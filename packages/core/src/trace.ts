import type { TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import type { EnvelopeExt } from './envelope.js';
import { otelApi } from './otel.js';

/** Reads `traceparent` / `tracestate` from an envelope's extensions. */
const getter: TextMapGetter<EnvelopeExt> = {
  keys: (ext) => (ext.s === undefined ? ['traceparent'] : ['traceparent', 'tracestate']),
  get: (ext, key) => (key === 'traceparent' ? ext.t : key === 'tracestate' ? ext.s : undefined),
};

const setter: TextMapSetter<{ t?: string; s?: string }> = {
  set: (carrier, key, value) => {
    if (key === 'traceparent') carrier.t = value;
    else if (key === 'tracestate') carrier.s = value;
  },
};

/**
 * Runs `fn` (the handling of a client event that came with a W3C trace
 * context) in that context, through `@opentelemetry/api`'s propagator: spans
 * the handlers start are its children. Without a registered propagator the
 * API's no-op leaves the context as it is; with nothing registered at all,
 * `fn` just runs (see {@link otelApi}). Called only for events that carry a
 * `traceparent`, so that the others pay nothing.
 */
export function inTraceOf<T>(ext: EnvelopeExt, fn: () => T): T {
  const api = otelApi();
  if (api === undefined) return fn();
  const { context, propagation } = api;
  return context.with(propagation.extract(context.active(), ext, getter), fn);
}

/** The trace context of the active span now (a reply's), for the client; `undefined` when there is none. */
export function currentTrace(): EnvelopeExt | undefined {
  const api = otelApi();
  if (api === undefined) return undefined;
  const carrier: { t?: string; s?: string } = {};
  api.propagation.inject(api.context.active(), carrier, setter);
  return carrier.t === undefined ? undefined : carrier;
}
