import { ConsoleSpanExporter } from '@opentelemetry/sdk-trace-base';
import { startServer } from './server.js';
import { startTelemetry } from './telemetry.js';

// PORT (default 3000); OTEL_CONSOLE_SPANS=1 prints each finished span.
const telemetry = startTelemetry({ spanExporter: process.env['OTEL_CONSOLE_SPANS'] === '1' ? new ConsoleSpanExporter() : undefined });
const server = await startServer(telemetry, Number(process.env['PORT'] ?? 3000));
console.log(`Sente at ${server.url}, Prometheus metrics at ${server.metricsUrl}`);
process.on('SIGTERM', () => void server.close().then(() => telemetry.shutdown()).then(() => process.exit(0)));
