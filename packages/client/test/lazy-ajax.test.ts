/**
 * The Ajax code (fallback.ts) is loaded on demand: what a client does while
 * it loads, and when it cannot be loaded. This file never loads it
 * beforehand, unlike the tests that drive the Ajax code with a fake clock.
 */
import { describe, expect, it } from 'vitest';
import { createSenteClient } from '../src/index.js';
import type { SenteClient } from '../src/index.js';
import { fallback, lazyTransport, loadFallback } from '../src/lazy-ajax.js';
import type { Fallback } from '../src/lazy-ajax.js';
import { createStateStore } from '../src/state.js';
import type { Transport, TransportContext } from '../src/transport.js';
import { waitFor } from './support/server.js';
import { useServers } from './support/use-servers.js';
import type { TestServer } from './support/server.js';

let server: TestServer | undefined;
const { clients, startServer } = useServers();

describe('the Ajax code, loaded on demand', () => {
  it("an 'ajax' client loads it on connect; sends made meanwhile wait in the outbox and reach the server in order", async () => {
    server = await startServer();
    const seen: unknown[] = [];
    server.sente.server.startRouter((msg) => {
      if (msg.id !== 'test/n') return;
      seen.push(msg.data);
      msg.reply?.(`got ${String(msg.data)}`);
    });
    const errors: unknown[] = [];
    const c = createSenteClient(server.url, null, { type: 'ajax', params: { uid: 'lazy' }, onError: (e) => errors.push(e) });
    clients.push(c);
    // Not loaded yet: the client is not open, the sends wait.
    expect(fallback()).toBeUndefined();
    expect(c.state.open).toBe(false);
    for (let i = 1; i <= 5; i++) expect(c.send(['test/n', i])).toBe(true);
    const reply = c.request(['test/n', 6], 5000);
    await waitFor(() => c.state.open, 'open');
    await waitFor(() => seen.length === 6, 'six events on the server');
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    await expect(reply).resolves.toBe('got 6');
    expect(errors).toEqual([]);
    expect(c.state).toMatchObject({ type: 'ajax', open: true });
    expect(fallback()).toBeDefined();
  });

  describe('a load that fails', () => {
    /** A context with a real clock and state store, the loads' backoff 10 ms. */
    const context = (errors: unknown[]): TransportContext => {
      const clock = { now: () => Date.now(), setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms), clearTimeout: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>) };
      return {
        clock,
        state: createStateStore('ajax', clock as never, () => {}),
        backoffMs: () => 10,
        onError: (e: unknown) => errors.push(e),
      } as unknown as TransportContext;
    };
    /** A transport that records the calls it gets. */
    const recorder = (calls: string[]): Transport =>
      ({
        kind: 'ajax',
        busy: () => false,
        connect: (later?: boolean) => calls.push(`connect ${String(later)}`),
        disconnect: (reason: unknown) => calls.push(`disconnect ${String(reason)}`),
        send: () => true,
        breakConnection() {},
        kick() {},
        checkHealth() {},
      }) as Transport;

    it('is reported through onError and tried again after the backoff; the transport then connects', async () => {
      const errors: unknown[] = [];
      const calls: string[] = [];
      let loads = 0;
      const load = (): Promise<Fallback> => (++loads < 3 ? Promise.reject(new Error(`chunk load ${loads} failed`)) : loadFallback());
      const t = lazyTransport(context(errors), () => recorder(calls), load);
      t.connect();
      expect(t.send(['test/a', 1] as never, undefined, undefined)).toBe(false);
      await waitFor(() => calls.length > 0, 'the transport made and connected');
      expect(loads).toBe(3);
      expect(errors.map((e) => (e as Error).message)).toEqual(['chunk load 1 failed', 'chunk load 2 failed']);
      expect(calls).toEqual(['connect undefined']);
      // From then on, every call goes to the transport.
      expect(t.send(['test/a', 1] as never, undefined, undefined)).toBe(true);
      t.disconnect('requested-disconnect');
      expect(calls).toEqual(['connect undefined', 'disconnect requested-disconnect']);
    });

    it('stops being retried on disconnect(): no transport is made, the state records the close', async () => {
      const errors: unknown[] = [];
      const calls: string[] = [];
      let loads = 0;
      const ctx = context(errors);
      ctx.state.update({ open: true });
      const t = lazyTransport(ctx, () => recorder(calls), () => (++loads, Promise.reject(new Error('offline'))));
      t.connect();
      await waitFor(() => errors.length === 1, 'the failure reported');
      t.disconnect('requested-disconnect');
      await new Promise((r) => setTimeout(r, 50));
      expect(loads).toBe(1);
      expect(calls).toEqual([]);
      expect(ctx.state.current).toMatchObject({ open: false, lastClose: { reason: 'requested-disconnect' } });
    });
  });
});
