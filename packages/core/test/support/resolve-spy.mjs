// Module hooks of otel-app.mjs: tells the app each `@opentelemetry/*` import resolved, wherever it came from.
let port;

export function initialize(data) {
  port = data.port;
}

export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@opentelemetry/')) port.postMessage(specifier);
  return next(specifier, context);
}
