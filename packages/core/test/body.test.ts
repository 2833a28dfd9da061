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
