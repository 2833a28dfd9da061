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
