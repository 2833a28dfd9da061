import { describe, expect, it, vi } from 'vitest';
import { Harness } from './support/harness.js';

import { Routers } from '../src/internal.js';

describe('server routers', () => {
  it('gives sync throws and async rejections to the errorHandler and keeps delivering', async () => {
    const h = new Harness();
    const handled: [string, string][] = [];
    h.server.startRouter(
      (m) => {
        if (m.id === 'x/sync') throw new Error('sync');
        if (m.id === 'x/async') return Promise.reject(new Error('async'));
        return undefined;
      },
      { errorHandler: (e, m) => void handled.push([(e as Error).message, m.id]) },
    );
    const c = await h.ws('c1', { uid: 'alice' });
    c.send(['x/sync']);
    c.send(['x/async']);
    c.send(['x/fine']);
    await h.advance(0);
    expect(handled).toEqual([
      ['sync', 'x/sync'],
      ['async', 'x/async'],
    ]);
    expect(h.ids()).toEqual(['chsk/uidport-open', 'x/sync', 'x/async', 'x/fine']);
    expect(h.errors).toEqual([]);
  });

  it('reports handler errors to onError as ERR_SENTE_HOOK_FAILED without an errorHandler', async () => {
    const h = new Harness();
    h.server.startRouter((m) => {
      if (m.id === 'x/boom') throw new Error('boom');
    });
    const c = await h.ws('c1', { uid: 'alice' });
    c.send(['x/boom']);
    expect(h.errors).toHaveLength(1);
    expect(h.errors[0]!.error).toMatchObject({ code: 'ERR_SENTE_HOOK_FAILED', message: 'An event handler failed.' });
    expect((h.errors[0]!.error.cause as Error).message).toBe('boom');
    expect(h.errors[0]!.context).toEqual({ uid: 'alice', clientId: 'c1' });
    c.send(['x/after']);
    expect(h.eventsOf('x/after')).toHaveLength(1);
    expect(c.closed).toBeUndefined();
  });

  it('a throwing handler does not keep a POST from being answered', async () => {
    const h = new Harness();
    h.server.startRouter(() => {
      throw new Error('boom');
    });
    const r = await h.post('c1', [['x/y'], null], { uid: 'alice' });
    expect(r.body()).toEqual(['chsk/dummy-cb-200', null]);
  });

  it('stop() stops delivery to that router only', async () => {
    const h = new Harness();
    const got: string[] = [];
    const router = h.server.startRouter((m) => void got.push(m.id));
    const c = await h.ws('c1', { uid: 'alice' });
    c.send(['x/1']);
    router.stop();
    router.stop();
    c.send(['x/2']);
    expect(got).toEqual(['chsk/uidport-open', 'x/1']);
    expect(h.ids()).toEqual(['chsk/uidport-open', 'x/1', 'x/2']);
  });

  it('delivers every event to every router, in order', async () => {
    const h = new Harness();
    const a: string[] = [];
    const b: string[] = [];
    h.server.startRouter((m) => void a.push(m.id));
    h.server.startRouter((m) => void b.push(m.id));
    const c = await h.ws('c1', { uid: 'alice' });
    c.send(['x/1']);
    c.send(['x/2']);
    expect(a).toEqual(['chsk/uidport-open', 'x/1', 'x/2']);
    expect(b).toEqual(a);
  });

  it('lets a handler push and reply through msg.server', async () => {
    const h = new Harness();
    h.server.startRouter((m) => {
      if (m.id === 'chat/send') m.server.send(m.uid, ['chat/echo', m.data], { flush: true });
    });
    const c = await h.ws('c1', { uid: 'alice' });
    c.send(['chat/send', 'hi']);
    expect(c.pushes()).toEqual([[[['chat/echo', 'hi']], null]]);
  });
});

describe('Routers', () => {
  it('delivers to every started router until it is stopped', () => {
    const unhandled = vi.fn();
    const routers = new Routers<string>(unhandled);
    const a: string[] = [];
    const b: string[] = [];
    const ra = routers.start((m) => void a.push(m));
    routers.start((m) => void b.push(m));
    routers.dispatch('1');
    ra.stop();
    ra.stop();
    routers.dispatch('2');
    expect(a).toEqual(['1']);
    expect(b).toEqual(['1', '2']);
    expect(routers.size).toBe(1);
    expect(unhandled).not.toHaveBeenCalled();
  });

  it('does not deliver the event being dispatched to a router started by a handler meanwhile', () => {
    const routers = new Routers<string>(vi.fn());
    const late: string[] = [];
    routers.start((m) => {
      if (m === 'start') routers.start((x) => void late.push(x));
    });
    routers.dispatch('start');
    routers.dispatch('next');
    expect(late).toEqual(['next']);
  });

  it('does not deliver the event being dispatched to a router stopped by a handler meanwhile', () => {
    const routers = new Routers<string>(vi.fn());
    const got: string[] = [];
    let second: { stop(): void } | undefined;
    routers.start((m) => {
      if (m === 'stop') second?.stop();
    });
    second = routers.start((m) => void got.push(m));
    routers.dispatch('a');
    routers.dispatch('stop');
    expect(got).toEqual(['a']);
  });

  it('sends sync throws and async rejections to the errorHandler, and keeps going', async () => {
    const unhandled = vi.fn();
    const routers = new Routers<string>(unhandled);
    const seen: [unknown, string][] = [];
    const boom = new Error('sync');
    routers.start(
      (m) => {
        if (m === 'sync') throw boom;
        if (m === 'async') return Promise.reject(new Error('async'));
        return undefined;
      },
      { errorHandler: (e, m) => void seen.push([e, m]) },
    );
    const after: string[] = [];
    routers.start((m) => void after.push(m));
    routers.dispatch('sync');
    routers.dispatch('async');
    await Promise.resolve();
    await Promise.resolve();
    expect(seen.map(([e, m]) => [(e as Error).message, m])).toEqual([
      ['sync', 'sync'],
      ['async', 'async'],
    ]);
    expect(after).toEqual(['sync', 'async']);
    expect(unhandled).not.toHaveBeenCalled();
  });

  it('reports handler errors without an errorHandler, and errorHandler errors, to the owner', () => {
    const unhandled = vi.fn();
    const routers = new Routers<string>(unhandled);
    routers.start(() => {
      throw new Error('h1');
    });
    routers.start(
      () => {
        throw new Error('h2');
      },
      {
        errorHandler: () => {
          throw new Error('eh');
        },
      },
    );
    routers.dispatch('m');
    expect(unhandled.mock.calls.map(([e, m]) => [(e as Error).message, m])).toEqual([
      ['h1', 'm'],
      ['eh', 'm'],
    ]);
  });
});
