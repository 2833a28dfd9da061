import { describe, expect, it } from 'vitest';
import { AJAX_CB_MARKER, ALL_USERS_WITHOUT_UID, CHSK, CLOSE_CODES, NIL_UID, PONG } from '../src/index.js';

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
