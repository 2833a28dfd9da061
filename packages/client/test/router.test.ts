import { describe, expect, it } from 'vitest';
import type { ClientEventMsg, StateEventData } from '../src/index.js';
import { harness } from './support/clients.js';
import { FakeWebSocket } from './support/fake-web-socket.js';

describe('startRouter', () => {
  it('hands the handler chsk/state, chsk/handshake [uid nil data first?] and pushed events, in order', () => {
    const { client } = harness({ type: 'ws' });
    const seen: ClientEventMsg[] = [];
    client.startRouter((msg) => {
      seen.push(msg);
    });
    FakeWebSocket.last.handshake('dan', { x: 1 });
    FakeWebSocket.last.serverSend([[['chat/a', 1], ['chat/b']], null]);
    expect(seen.map((m) => m.id)).toEqual(['chsk/state', 'chsk/handshake', 'chat/a', 'chat/b']);
    const [state, hs, a, b] = seen;
    const [old, now, openChanged] = state?.data as StateEventData;
    expect([old.open, now.open, openChanged, now.firstOpen]).toEqual([false, true, true, true]);
    expect(hs?.data).toEqual(['dan', null, { x: 1 }, true]);
    expect(hs?.event).toEqual(['chsk/handshake', ['dan', null, { x: 1 }, true]]);
    expect(a).toMatchObject({ id: 'chat/a', data: 1, event: ['chat/a', 1], client });
    expect(b?.data).toBeUndefined();
  });

  it('gives handler errors, thrown or rejected, to errorHandler and keeps routing', async () => {
    const { client } = harness({ type: 'ws' });
    FakeWebSocket.last.handshake();
    const errors: Array<[string, string]> = [];
    const ids: string[] = [];
    client.startRouter(
      (msg) => {
        ids.push(msg.id);
        if (msg.data === 'throw') throw new Error('sync');
        if (msg.data === 'reject') return Promise.reject(new Error('async'));
        return undefined;
      },
      { errorHandler: (e, msg) => errors.push([(e as Error).message, msg.id]) },
    );
    FakeWebSocket.last.serverSend([[['chat/a', 'throw'], ['chat/b', 'reject'], ['chat/c', 'ok']], null]);
    await Promise.resolve();
    expect(ids).toEqual(['chat/a', 'chat/b', 'chat/c']);
    expect(errors).toEqual([
      ['sync', 'chat/a'],
      ['async', 'chat/b'],
    ]);
  });

  it('without an errorHandler reports handler errors to onError', () => {
    const { client, errors } = harness({ type: 'ws' });
    client.startRouter(() => {
      throw new Error('oops');
    });
    FakeWebSocket.last.handshake();
    expect(errors.map((e) => (e as Error).message)).toEqual(['oops', 'oops']);
  });

  it('stop() stops delivery', () => {
    const { client } = harness({ type: 'ws' });
    const ids: string[] = [];
    const router = client.startRouter((m) => ids.push(m.id));
    router.stop();
    FakeWebSocket.last.handshake();
    expect(ids).toEqual([]);
  });

  it('with wrapRecvEvs wraps pushed events as [chsk/recv event]; on("event") still gets them bare', () => {
    const { client } = harness({ type: 'ws', wrapRecvEvs: true });
    const msgs: ClientEventMsg[] = [];
    const bare: unknown[] = [];
    client.startRouter((m) => msgs.push(m));
    client.on('event', (e) => bare.push(e));
    FakeWebSocket.last.handshake();
    FakeWebSocket.last.serverSend([[['chat/a', 1]], null]);
    expect(msgs.at(-1)).toMatchObject({ id: 'chsk/recv', data: ['chat/a', 1] });
    expect(bare).toEqual([['chat/a', 1]]);
  });

  it('delivers changes in order to every listener even when a listener disconnects', () => {
    const { client } = harness({ type: 'ws' });
    const first: string[] = [];
    const second: string[] = [];
    client.on('state', (c) => {
      first.push(c.new.open ? 'open' : 'closed');
      if (c.opened) client.disconnect();
    });
    client.on('state', (c) => second.push(c.new.open ? 'open' : 'closed'));
    FakeWebSocket.last.handshake();
    expect(first).toEqual(['open', 'closed']);
    expect(second).toEqual(['open', 'closed']);
  });
});
