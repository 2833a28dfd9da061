import { expect, it } from 'vitest';
import { CASE_TIMEOUT_MS } from './context.js';
import { connect } from '../peer.js';
import type { CaseContext } from './context.js';
import type { SenteEvent } from '@sente/core';
import type { Transport } from '../peer.js';

const ev = (i: number): SenteEvent => ['test/push', { i }];

/**
 * A client id is the client's to choose, so two users can present the same
 * one (a forged id, a login in progress): a push for one must never reach the
 * other (issue 7: `sendToClient('T')` reached mallory).
 */
export function clientIdClashCases({ harness, wire }: CaseContext, aliceOn: Transport, malloryOn: Transport): void {
  it('delivers nothing across uids that hold the same client id: by id alone to nobody (reported), by { uid, clientId } to that client only', async () => {
    // A grace period longer than the suite's: a loaded machine's gap between two polls is no part of this case.
    const t = await harness.start({ msAllowReconnectBeforeCloseAjax: 2000 });
    const alice = await connect(t, aliceOn, { uid: 'alice', clientId: 'T' });
    const mallory = await connect(t, malloryOn, { uid: 'mallory', clientId: 'T' });

    t.server.sendToClient('T', ev(1));
    expect(t.errorCodes()).toEqual(['ERR_SENTE_CLIENT_ID_CLASH']);
    // Each stream keeps send order: had ev(1) reached alice, it would come before ev(2).
    t.server.sendToClient({ uid: 'alice', clientId: 'T' }, ev(2));
    expect(await alice.nextPush()).toEqual([wire.received(ev(2))]);
    t.server.send('alice', ev(3));
    expect(await alice.nextPush()).toEqual([wire.received(ev(3))]);
    // Everything above was sent, and delivered to alice, before this: it is mallory's first push.
    t.server.send('mallory', ev(4));
    expect(await mallory.nextPush()).toEqual([wire.received(ev(4))]);
    expect(t.errorCodes()).toEqual(['ERR_SENTE_CLIENT_ID_CLASH']);
  }, CASE_TIMEOUT_MS);
}
