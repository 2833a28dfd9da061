import { describe, expect, it, vi } from 'vitest';
import {
  AJAX_CB_MARKER,
  ALL_USERS_WITHOUT_UID,
  CHSK,
  CLOSE_CODES,
  NIL_UID,
  PONG,
  SenteError,
  collectBody,
  headerValue,
  isCbError,
  isCbSuccess,
  isSenteError,
  kw,
  parseQuery,
  payloadHeaders,
  payloadTooLarge,
  randomId,
  systemClock,
  textResponse,
} from '../src/index.js';
import { overLimit } from '../src/body.js';
import { FakeClock, Routers, Timers } from '../src/internal.js';

describe('reserved ids and codes', () => {
  it('match Sente', () => {
    expect(CHSK.handshake).toBe('chsk/handshake');
    expect(CHSK.uidportOpen).toBe('chsk/uidport-open');
    expect(CHSK.dummyCb200).toBe('chsk/dummy-cb-200');
    expect(NIL_UID).toBe('sente/nil-uid');
    expect(ALL_USERS_WITHOUT_UID).toBe('sente/all-users-without-uid');
    expect(PONG).toBe('pong');
    expect(AJAX_CB_MARKER).toBe('ajax');
    expect(CLOSE_CODES).toMatchObject({ normal: 1000, goingAway: 1001, badPackage: 1007, tooBig: 1009, keepAliveTimeout: 4000, closedByServer: 4001 });
  });
});

describe('SenteError', () => {
  it('carries a code, status, close code and cause', () => {
    const cause = new Error('root');
    const e = new SenteError('ERR_SENTE_BAD_CSRF', 'Bad CSRF token', { status: 403, closeCode: 4003, cause });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('SenteError');
    expect(e.code).toBe('ERR_SENTE_BAD_CSRF');
    expect(e.status).toBe(403);
    expect(e.closeCode).toBe(4003);
    expect(e.cause).toBe(cause);
    expect(new SenteError('ERR_SENTE_TIMEOUT', 'x').cause).toBeUndefined();
  });

  it('is recognised by its brand, even across copies of the package', () => {
    expect(isSenteError(new SenteError('ERR_SENTE_TIMEOUT', 'x'))).toBe(true);
    expect(isSenteError({ [Symbol.for('sente.error')]: true })).toBe(true);
    expect(isSenteError(new Error('x'))).toBe(false);
    expect(isSenteError(null)).toBe(false);
  });
});

describe('isCbError / isCbSuccess', () => {
  it('treats chsk/closed, chsk/timeout and chsk/error, as strings or keywords, as errors', () => {
    for (const v of ['chsk/closed', 'chsk/timeout', 'chsk/error', kw('chsk/timeout')]) {
      expect(isCbError(v)).toBe(true);
      expect(isCbSuccess(v)).toBe(false);
    }
    for (const v of ['pong', null, undefined, { ok: true }, 'chsk/dummy-cb-200', kw('chsk/handshake')]) {
      expect(isCbError(v)).toBe(false);
      expect(isCbSuccess(v)).toBe(true);
    }
  });
});

describe('requests and bodies', () => {
  it('parseQuery keeps the first value and decodes names', () => {
    expect(parseQuery('')).toEqual({});
    expect(parseQuery('?a=1&a=2&handshake%3F=1&client-id=x%20y')).toEqual({ a: '1', 'handshake?': '1', 'client-id': 'x y' });
  });

  it('headerValue reads the first value of a header', () => {
    expect(headerValue({ a: 'x' }, 'a')).toBe('x');
    expect(headerValue({ a: ['x', 'y'] }, 'a')).toBe('x');
    expect(headerValue({}, 'a')).toBeUndefined();
  });

  it('textResponse and payloadHeaders set the content type and no caching', () => {
    expect(textResponse(403, 'no')).toEqual({
      status: 403,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
      body: 'no',
    });
    expect(payloadHeaders('x')['content-type']).toBe('text/plain; charset=utf-8');
    expect(payloadHeaders(new Uint8Array(1))['content-type']).toBe('application/octet-stream');
    expect(payloadHeaders(new Uint8Array(1))['cache-control']).toBe('no-store');
  });

  it('collectBody joins chunks of bytes and text', async () => {
    async function* chunks() {
      yield new Uint8Array([104, 105]);
      yield ' there';
    }
    expect(new TextDecoder().decode(await collectBody(chunks(), 100))).toBe('hi there');
  });

  it('collectBody stops past the limit with a 413 ERR_SENTE_PAYLOAD_TOO_LARGE', async () => {
    let read = 0;
    async function* chunks() {
      for (;;) {
        read++;
        yield new Uint8Array(4);
      }
    }
    await expect(collectBody(chunks(), 10)).rejects.toMatchObject({
      code: 'ERR_SENTE_PAYLOAD_TOO_LARGE',
      status: 413,
      closeCode: 1009,
      message: 'Payload too large: the limit is 10 bytes.',
    });
    expect(read).toBe(3);
    expect(payloadTooLarge(5).message).toBe('Payload too large: the limit is 5 bytes.');
  });

  it('collectBody accepts a body of exactly the limit', async () => {
    async function* chunks() {
      yield new Uint8Array(10);
    }
    expect((await collectBody(chunks(), 10)).byteLength).toBe(10);
  });
});

describe('overLimit', () => {
  it('counts text in UTF-8 bytes, as TextEncoder does', () => {
    const samples = ['a'.repeat(10), 'é'.repeat(5), '€'.repeat(4), '🎉'.repeat(3), 'a€🎉é', '\ud800x', 'x\udc00'];
    for (const text of samples) {
      const bytes = new TextEncoder().encode(text).byteLength;
      expect([overLimit(text, bytes), overLimit(text, bytes - 1)]).toEqual([false, true]);
    }
  });

  it('compares bytes by their length', () => {
    expect(overLimit(new Uint8Array(4), 4)).toBe(false);
    expect(overLimit(new Uint8Array(5), 4)).toBe(true);
  });
});

describe('randomId', () => {
  it('draws each character from [a-z0-9] with the given random source', () => {
    expect(randomId(4, () => 0)).toBe('aaaa');
    expect(randomId(3, () => 0.999999)).toBe('999');
    expect(randomId(6)).toMatch(/^[a-z0-9]{6}$/);
  });
});

describe('systemClock', () => {
  it('schedules on the global timers, unref-ed, and cancels them', () => {
    vi.useFakeTimers();
    try {
      const fn = vi.fn();
      const h = systemClock.setTimeout(fn, 100);
      expect(typeof (h as { unref?: unknown }).unref).toBe('function');
      systemClock.clearTimeout(h);
      systemClock.setTimeout(fn, 100);
      vi.advanceTimersByTime(100);
      expect(fn).toHaveBeenCalledTimes(1);
      expect(systemClock.now()).toBe(Date.now());
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('Timers', () => {
  it('counts live timers until they fire or are cancelled, once', () => {
    const clock = new FakeClock();
    const timers = new Timers(clock);
    const fired: string[] = [];
    const a = timers.set(() => fired.push('a'), 10);
    const b = timers.set(() => fired.push('b'), 20);
    expect(timers.live).toBe(2);
    b.cancel();
    b.cancel();
    expect(timers.live).toBe(1);
    expect(clock.pending).toBe(1);
    clock.advance(10);
    expect(fired).toEqual(['a']);
    expect(timers.live).toBe(0);
    a.cancel();
    expect(timers.live).toBe(0);
    clock.advance(100);
    expect(fired).toEqual(['a']);
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
