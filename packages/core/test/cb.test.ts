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
