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
