// An app on @sente/node's build, in a plain `node` (no test runner). With
// the argument `registered` it registers a W3C propagator and a context
// manager with OpenTelemetry first, as an app with tracing does; without it,
// nothing. It serves one request that carries a W3C trace context, whose
// handler replies with the trace id it sees, then prints, as JSON, that
// reply's frame and the `@opentelemetry/*` modules loaded before the app's
// own (through `import` or `require`). Run by otel.test.ts.
import { createServer } from 'node:http';
import { once } from 'node:events';
import { createRequire, register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const imported = [];
const { port1, port2 } = new MessageChannel();
port1.on('message', (specifier) => imported.push(specifier));
register('./resolve-spy.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] });
const otelModules = () => Object.keys(createRequire(import.meta.url).cache).filter((path) => path.includes('@opentelemetry'));

const { senteHttp } = await import('../../../node/dist/index.mjs');
// `ws`, as @sente/node has it.
const { WebSocket } = createRequire(new URL('../../../node/package.json', import.meta.url))('ws');
// Let the hooks' messages in.
await new Promise((resolve) => setTimeout(resolve, 50));
const loadedBySente = { imported: [...imported], required: otelModules() };

let api;
if (process.argv[2] === 'registered') {
  api = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

const sente = senteHttp({ csrfToken: null });
sente.server.startRouter((msg) => msg.reply?.(api?.trace.getSpanContext(api.context.active())?.traceId ?? null));
const http = createServer(sente.listener).listen(0, '127.0.0.1');
await once(http, 'listening');
sente.attach(http);

const ws = new WebSocket(`ws://127.0.0.1:${http.address().port}/chsk?client-id=tab-1&sente-ext=1`);
const frames = [];
ws.on('message', (data) => frames.push(JSON.parse(String(data))));
await new Promise((resolve) => ws.once('message', resolve));
ws.send(JSON.stringify([['app/traced', 1], 'cb1', { m: 'm1', t: TRACEPARENT }]));
while (frames.length < 2) await new Promise((resolve) => ws.once('message', resolve));
ws.close();
await sente.close();
http.closeAllConnections();
await new Promise((resolve) => http.close(resolve));
port1.close();
console.log(JSON.stringify({ reply: frames[1], loadedBySente }));
