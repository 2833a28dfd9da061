import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BUILT = ['../dist/index.mjs', '../dist/index.cjs', '../../node/dist/index.mjs'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

interface Observed {
  /** The frame of the handler's reply: the trace id its handler saw, the callback id, and the reply's trace context, if any. */
  readonly reply: unknown[];
  /** The `@opentelemetry/*` modules loaded by the time the app had imported @sente/node. */
  readonly loadedBySente: { readonly imported: string[]; readonly required: string[] };
}

/**
 * An app on @sente/node's build, run in a plain `node` as an app runs (not
 * under the test runner's module loader), handling one request that carries
 * a W3C trace context; with `registered`, the app registered a propagator
 * and a context manager with OpenTelemetry first.
 */
async function observeApp(...args: string[]): Promise<Observed> {
  // The root test command builds first; alone, run `node scripts/pnpm.mjs --filter @sente/node... build`.
  for (const f of BUILT) if (!existsSync(f)) throw new Error(`${f} is missing: build @sente/core and @sente/node first.`);
  const script = fileURLToPath(new URL('./support/otel-app.mjs', import.meta.url));
  const { stdout } = await run(process.execPath, [script, ...args], { env: { ...process.env, NODE_OPTIONS: '' }, timeout: 20_000 });
  return JSON.parse(stdout) as Observed;
}

describe('@opentelemetry/api, loaded only when the app uses OpenTelemetry', () => {
  it('is not loaded by a server of an app that registered nothing with it: its request and reply go as always, untraced', async () => {
    const seen = await observeApp();
    expect(seen.loadedBySente).toEqual({ imported: [], required: [] });
    // No trace context in the handler, none sent back.
    expect(seen.reply).toEqual([null, 'cb1']);
  });

  it('once the app registered a propagator and a context manager, runs the handler in the request’s trace context and sends it back', async () => {
    const seen = await observeApp('registered');
    expect(seen.reply).toEqual([TRACE_ID, 'cb1', { t: TRACEPARENT }]);
  });
});
