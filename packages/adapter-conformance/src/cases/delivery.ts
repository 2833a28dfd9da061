import { afterEach, expect, it } from 'vitest';
import { CASE_TIMEOUT_MS } from './context.js';
import { startProxy } from '../tcp-proxy.js';
import { TRANSPORT_NAMES } from '../peer.js';
import { until } from '../wait.js';
import type { CaseContext } from './context.js';
import type { TcpProxy } from '../tcp-proxy.js';
import type { TestServer } from '../harness.js';
import type { Transport } from '../peer.js';

/**
 * Nothing lost (delivery guarantees): a real `@sente/client` behind a
 * loopback TCP proxy that cuts the network for longer than the server's
 * grace period; every push reaches the app once, in order.
 */
export function deliveryCases({ harness }: CaseContext, type: Transport): void {
  const proxies: TcpProxy[] = [];
  afterEach(async () => {
    for (const p of proxies.splice(0)) await p.close();
  });

  async function connected(t: TestServer) {
    const port = Number(new URL(t.url).port);
    const proxy = await startProxy(port);
    proxies.push(proxy);
    const c = t.client({ type, params: { uid: 'alice' }, backoffMs: () => 20 }, `${proxy.origin}${new URL(t.url).pathname}`);
    const seen: unknown[] = [];
    c.on('event', (e) => seen.push(e[1]));
    await until(() => c.state.open, 'the client to open');
    await t.uidport('open', 'alice');
    return { c, proxy, seen };
  }

  async function outage(t: TestServer, proxy: TcpProxy, during: () => void): Promise<void> {
    await proxy.refuse();
    // Longer than the grace period: the server forgets the client, and its queue with it.
    await until(() => t.stats().wsClients + t.stats().ajaxClients === 0, 'the server to forget the client');
    during();
    await proxy.accept();
  }

  it(`replays every push missed during an outage longer than the grace period, once, in order (${TRANSPORT_NAMES[type]})`, async () => {
    const t = await harness.start();
    const { c, proxy, seen } = await connected(t);
    for (let n = 1; n <= 5; n++) t.server.send('alice', ['test/n', n]);
    await until(() => seen.length >= 5, 'the first pushes');
    await outage(t, proxy, () => {
      for (let n = 6; n <= 10; n++) t.server.send('alice', ['test/n', n]);
    });
    await until(() => seen.length >= 10 && c.state.open, 'the missed pushes');
    t.server.send('alice', ['test/n', 11]);
    await until(() => seen.length >= 11, 'a push after the replay');
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(c.state.recovered).toBe(true);
  }, CASE_TIMEOUT_MS);

  it(`says recovered: false past the log's window, and hands nothing over twice (${TRANSPORT_NAMES[type]})`, async () => {
    const t = await harness.start({ replay: { maxEntries: 2 } });
    const { c, proxy, seen } = await connected(t);
    for (let n = 1; n <= 3; n++) t.server.send('alice', ['test/n', n]);
    await until(() => seen.length >= 3, 'the first pushes');
    await outage(t, proxy, () => {
      for (let n = 4; n <= 8; n++) t.server.send('alice', ['test/n', n]);
    });
    await until(() => c.state.open && c.state.recovered === false, 'the handshake after the outage');
    t.server.send('alice', ['test/n', 9]);
    await until(() => seen.length >= 4, 'a push after the outage');
    expect(seen).toEqual([1, 2, 3, 9]);
  }, CASE_TIMEOUT_MS);
}
