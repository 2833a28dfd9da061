import { describe, expect, it } from 'vitest';
import { Harness } from './support/harness.js';

describe('rate limits', () => {
  it('refuses a client event over its bucket: a request gets the rate-limited reply, an event becomes chsk/bad-event', async () => {
    const h = new Harness({ rateLimits: { perClient: { perSecond: 1, burst: 2 } } });
    let handled = 0;
    h.server.startRouter((msg) => {
      if (msg.id !== 'app/q') return;
      handled++;
      msg.reply?.('ok');
    });
    const c = await h.ws('c1', { uid: 'alice' });
    c.send(['app/q'], 'cb1');
    c.send(['app/q'], 'cb2');
    c.send(['app/q'], 'cb3');
    c.send(['app/q']);
    expect(handled).toBe(2);
    expect(c.pushes()).toEqual([
      ['ok', 'cb1'],
      ['ok', 'cb2'],
      [{ 'sente/error': 'ERR_SENTE_RATE_LIMITED' }, 'cb3'],
    ]);
    expect(h.eventsOf('chsk/bad-event').map((m) => m.data)).toEqual([['app/q']]);
    expect(h.errorCodes()).toEqual(['ERR_SENTE_RATE_LIMITED', 'ERR_SENTE_RATE_LIMITED']);
    // Tokens come back with time, once the refused events' debt is repaid: two refused, two seconds, then one more.
    await h.advance(2999);
    c.send(['app/q'], 'cb5');
    expect(handled).toBe(2);
    await h.advance(2001);
    c.send(['app/q'], 'cb6');
    expect(handled).toBe(3);
  });

  it('limits one event id separately, and the uid across its tabs', async () => {
    const h = new Harness({ rateLimits: { perUid: { perSecond: 1, burst: 3 }, perEvent: { 'app/costly': { perSecond: 1, burst: 1 } } } });
    const a = await h.ws('a', { uid: 'alice' });
    const b = await h.ws('b', { uid: 'alice' });
    a.send(['app/costly']);
    a.send(['app/costly']);
    b.send(['app/cheap']);
    b.send(['app/cheap']);
    expect(h.ids().filter((id) => id.startsWith('app/'))).toEqual(['app/costly', 'app/cheap']);
    expect(h.eventsOf('chsk/bad-event')).toHaveLength(2);
  });

  it('disconnects a client that keeps sending past the hard limit (4429), and forgets its buckets when it is gone', async () => {
    const h = new Harness({ rateLimits: { perClient: { perSecond: 1, burst: 2 }, hardFactor: 2 } });
    const c = await h.ws('c1', { uid: 'alice' });
    for (let i = 0; i < 7 && c.channel.isOpen(); i++) c.send(['app/spam', i]);
    expect(c.closed?.code).toBe(4429);
    await h.advance(3000);
    expect(h.server.stats()).toMatchObject({ wsClients: 0, timers: 0 });
  });

  it('costs nothing without limits: every event reaches the handler', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice' });
    for (let i = 0; i < 100; i++) c.send(['app/n', i]);
    expect(h.eventsOf('app/n')).toHaveLength(100);
  });
});
