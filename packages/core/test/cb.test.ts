import { describe, expect, it } from 'vitest';
import { isCbError, isCbSuccess, kw } from '../src/index.js';

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
