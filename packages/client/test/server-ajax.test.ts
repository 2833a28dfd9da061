import { describe, expect, it } from 'vitest';
// The client as '@sente/client' is on Node: its Ajax over node:http (see node-fetch.test.ts).
import { createSenteClient } from '../src/node.js';
import type { SenteClient, SenteClientOptions, SenteEvent } from '../src/node.js';
import { waitFor } from './support/server.js';
import { useServers } from './support/use-servers.js';
import type { TestServer } from './support/server.js';
import { TrackingClock } from './support/tracking-clock.js';

let server: TestServer | undefined;
const { clients, startServer } = useServers();

const connect = (url: string, uid: string, options: SenteClientOptions = {}): SenteClient => {
  const c = createSenteClient(url, null, { type: 'ajax', params: { uid }, ...options });
  clients.push(c);
  return c;
};

describe('Ajax client against an Express server', () => {
  it('handshakes with a GET, then parks a long-poll that makes the uid connected', async () => {
    server = await startServer();
    const c = connect(server.url, 'ann');
    await waitFor(() => c.state.open, 'open');
    expect(c.state).toMatchObject({ type: 'ajax', uid: 'ann', handshakeData: { hello: 'ann' } });
    await waitFor(() => server?.sente.server.connectedUids.ajax.has('ann') === true, 'uid connected over ajax');
  });

  it('gets replies over POST, with the app params on the POST too', async () => {
    server = await startServer();
    server.sente.server.startRouter((msg) => {
      if (msg.id === 'test/echo') msg.reply?.({ echo: msg.data, uid: msg.uid });
    });
    const c = connect(server.url, 'bo');
    await waitFor(() => c.state.open, 'open');
    // The server takes the uid from the query: the reply proves the POST carried the params.
    await expect(c.request(['test/echo', { deep: [1, 2] }], 2000)).resolves.toEqual({ echo: { deep: [1, 2] }, uid: 'bo' });
  });

  it('sends the requests made while a POST is in flight together in one batch POST, each reply to its own callback, in order', async () => {
    const posts: number[] = [];
    server = await startServer({}, { setup: (app) => app.use((req, _res, next) => (req.method === 'POST' && posts.push(1), next())) });
    const handled: number[] = [];
    server.sente.server.startRouter((msg) => {
      if (msg.id !== 'test/n') return;
      handled.push(msg.data as number);
      // Replies out of order: each still reaches its own callback.
      setTimeout(() => msg.reply?.({ n: msg.data }), 20 - (msg.data as number));
    });
    const c = connect(server.url, 'bt');
    await waitFor(() => c.state.open, 'open');
    const replies = await Promise.all(Array.from({ length: 10 }, (_, n) => c.request(['test/n', n], 5000)));
    expect(replies).toEqual(Array.from({ length: 10 }, (_, n) => ({ n })));
    expect(handled).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // The first alone, the nine sent while it was in flight together.
    expect(posts).toHaveLength(2);
  });

  it('delivers a send without a callback; the server\'s dummy answer raises nothing', async () => {
    server = await startServer();
    const seen: unknown[] = [];
    server.sente.server.startRouter((msg) => {
      if (msg.id === 'test/fire') seen.push([msg.data, msg.uid, msg.reply === undefined]);
    });
    const errors: unknown[] = [];
    const c = connect(server.url, 'bz', { onError: (e) => errors.push(e) });
    await waitFor(() => c.state.open, 'open');
    expect(c.send(['test/fire', 'and forget'])).toBe(true);
    await waitFor(() => seen.length === 1, 'event on the server');
    expect(seen).toEqual([['and forget', 'bz', true]]);
    await new Promise((r) => setTimeout(r, 50));
    expect(errors).toEqual([]);
    expect(c.state.open).toBe(true);
  });

  it('gives chsk/timeout when the server does not reply in time', async () => {
    server = await startServer();
    const c = connect(server.url, 'cy');
    await waitFor(() => c.state.open, 'open');
    await expect(c.request(['test/never'], 150)).rejects.toMatchObject({ code: 'ERR_SENTE_TIMEOUT' });
    expect(c.state.open).toBe(true);
  });

  it('receives pushes in send order, across several polls', async () => {
    server = await startServer({ sendBufMsAjax: 5 });
    const c = connect(server.url, 'di');
    const got: SenteEvent[] = [];
    c.on('event', (e) => got.push(e));
    await waitFor(() => server?.sente.server.connectedUids.ajax.has('di') === true, 'poll parked');
    for (let i = 0; i < 30; i++) {
      server.sente.server.send('di', ['test/n', i]);
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 20));
    }
    await waitFor(() => got.length === 30, '30 pushes');
    expect(got.map((e) => e[1])).toEqual([...Array(30).keys()]);
  });

  it('repolls after the server ends an idle long-poll, and still gets pushes', async () => {
    server = await startServer({ lpTimeoutMs: 200 });
    const c = connect(server.url, 'ed');
    const got: SenteEvent[] = [];
    c.on('event', (e) => got.push(e));
    await waitFor(() => c.state.open, 'open');
    await new Promise((r) => setTimeout(r, 500));
    expect(c.state.open).toBe(true);
    server.sente.server.send('ed', ['test/late', 1]);
    await waitFor(() => got.length === 1, 'push after idle polls');
  });

  it('comes back when the server restarts on the same port', async () => {
    server = await startServer();
    const port = Number(new URL(server.url).port);
    const c = connect(server.url, 'fa', { backoffMs: () => 50 });
    await waitFor(() => c.state.open, 'open');
    await server.close();
    await waitFor(() => !c.state.open, 'closed');
    server = await startServer({}, { port });
    await waitFor(() => c.state.open, 'reopened', 10_000);
    await waitFor(() => server?.sente.server.connectedUids.ajax.has('fa') === true, 'uid connected again');
  }, 20_000);

  it('disconnect() ends the poll and leaves no timer running', async () => {
    server = await startServer({ msAllowReconnectBeforeCloseAjax: 100 });
    const clock = new TrackingClock();
    const c = connect(server.url, 'gi', { clock });
    await waitFor(() => server?.sente.server.connectedUids.ajax.has('gi') === true, 'poll parked');
    c.disconnect();
    expect(clock.pending).toBe(0);
    await waitFor(() => server?.sente.server.connectedUids.ajax.has('gi') === false, 'server to drop the uid');
    expect(clock.pending).toBe(0);
  });
});
