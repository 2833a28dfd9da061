import type * as OtelApi from '@opentelemetry/api';

/**
 * Where `@opentelemetry/api` 1.x keeps what an app registered with it (a
 * meter provider, a propagator, a context manager): a global shared by every
 * copy of the API, made by the first registration.
 */
const REGISTERED = Symbol.for('opentelemetry.js.api.1');

let api: typeof OtelApi | undefined;

/**
 * `@opentelemetry/api`, loaded on first use once an app registered something
 * with it (an SDK, a propagator); `undefined` until then. Without a
 * registration every call of the API is its no-op, so Sente does without it:
 * loading it costs a server about 25 ms at startup and the heap its modules
 * keep, for nothing. Its CommonJS build is loaded (synchronously); it reads
 * the registrations of whichever copy of the API the app used, as every copy
 * does.
 */
export function otelApi(): typeof OtelApi | undefined {
  if (api === undefined && (globalThis as Record<symbol, unknown>)[REGISTERED] !== undefined) api = loadApi();
  return api;
}

/** Loads `@opentelemetry/api` now, registered or not (a meter given in the options is one of its meters). */
export function loadApi(): typeof OtelApi {
  return (api ??= process.getBuiltinModule('node:module').createRequire(import.meta.url)('@opentelemetry/api') as typeof OtelApi);
}
