import { describe, expect, it } from 'vitest';
import { Harness } from './support/harness.js';
import type { AjaxRequest, WsClient } from './support/harness.js';

const EXT = { 'sente-ext': '1' };

interface Ext {
  v?: number;
  maxPayloadBytes?: number;
  epoch?: string;
  offset?: number;
  recovered?: boolean;
}

/** The 4th element of a handshake frame `[[chsk/handshake [uid nil data ext]] nil]`. */
function extOf(frame: unknown): Ext | undefined {
  const body = ((frame as unknown[])[0] as unknown[])[1] as unknown[];
  return body[3] as Ext | undefined;
}

/**
 * What an app on a client of the extensions sees: the pushes it is handed,
 * each once (a batch's events at or below the position are dropped), and the
 * position it gives when it comes back.
 */
class Model {
  epoch = '';
  offset = 0;
  readonly seen: unknown[] = [];
  recovered: boolean | undefined;

  handshake(frame: unknown): void {
    const ext = extOf(frame) as Ext;
    this.recovered = ext.recovered;
    if (ext.recovered !== true) {
      this.epoch = ext.epoch as string;
      this.offset = ext.offset as number;
    }
  }

  batch(frame: unknown): void {
    const [events, , ext] = frame as [unknown[], null, { e: string; o: (number | null)[] } | undefined];
    events.forEach((ev, i) => {
      const o = ext?.o[i] ?? null;
      if (o !== null && ext?.e === this.epoch && o <= this.offset) return;
      if (o !== null) this.offset = o;
      this.seen.push((ev as unknown[])[1]);
    });
  }

  get query(): Record<string, string> {
    return this.epoch === '' ? EXT : { ...EXT, 'sente-pos': `${this.epoch}:${this.offset}` };
  }
}

async function wsOf(h: Harness, m: Model, clientId = 'c1', uid = 'alice'): Promise<WsClient> {
  const c = await h.ws(clientId, { uid, query: m.query });
  m.handshake(c.frames()[0]);
  return c;
}

function take(c: WsClient, m: Model, from: number): number {
  const frames = c.frames();
  for (const f of frames.slice(from)) m.batch(f);
  return frames.length;
}

describe('replay from the push log (clients of the extensions)', () => {
  it('gives the handshake its extensions only when asked, and Sente clients Sente\'s frames', async () => {
    const h = new Harness();
    const plain = await h.ws('p1', { uid: 'alice' });
    const ext = await h.ws('e1', { uid: 'alice', query: EXT });
    expect(extOf(plain.frames()[0])).toBeUndefined();
    expect(extOf(ext.frames()[0])).toMatchObject({ v: 1, maxPayloadBytes: 1024 * 1024, offset: 0 });
    h.server.send('alice', ['app/news', 1], { flush: true });
    expect(plain.pushes()).toEqual([[[['app/news', 1]], null]]);
    const epoch = extOf(ext.frames()[0])?.epoch;
    expect(ext.pushes()).toEqual([[[['app/news', 1]], null, { e: epoch, o: [1] }]]);
  });

  it('logs nothing while no client of the extensions ever came for the uid', async () => {
    const h = new Harness();
    await h.ws('p1', { uid: 'alice' });
    h.server.send('alice', ['app/news', 1], { flush: true });
    expect(h.server.stats().loggedPushes).toBe(0);
  });

  it('replays exactly what a WebSocket client missed after its grace period, and says it recovered', async () => {
    const h = new Harness();
    const m = new Model();
    let c = await wsOf(h, m);
    for (let n = 1; n <= 3; n++) h.server.send('alice', ['app/n', n], { flush: true });
    take(c, m, 1);
    c.drop(1006);
    await h.advance(3000); // past msAllowReconnectBeforeCloseWs: the server forgot the client
    expect(h.server.stats().wsClients).toBe(0);
    for (let n = 4; n <= 6; n++) h.server.send('alice', ['app/n', n], { flush: true });
    c = await wsOf(h, m);
    expect(m.recovered).toBe(true);
    take(c, m, 1);
    h.server.send('alice', ['app/n', 7], { flush: true });
    take(c, m, c.frames().length - 1);
    expect(m.seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('replays a batch lost in flight within the grace period, instead of the queue, without duplicates', async () => {
    const h = new Harness();
    const m = new Model();
    let c = await wsOf(h, m);
    h.server.send('alice', ['app/n', 1], { flush: true });
    take(c, m, 1);
    h.server.send('alice', ['app/n', 2], { flush: true }); // written, but the network loses it
    c.channel.vanish();
    c.drop(1006);
    h.server.send('alice', ['app/n', 3], { flush: true }); // queued for the reconnect
    c = await wsOf(h, m);
    take(c, m, 1);
    expect(m.recovered).toBe(true);
    expect(m.seen).toEqual([1, 2, 3]);
    expect(c.pushedEvents()).toEqual([['app/n', 2], ['app/n', 3]]);
  });

  it('says recovered: false, and replays nothing, when the gap is longer than the log keeps', async () => {
    const h = new Harness({ replay: { maxEntries: 2 } });
    const m = new Model();
    let c = await wsOf(h, m);
    c.drop(1006);
    await h.advance(3000);
    for (let n = 1; n <= 5; n++) h.server.send('alice', ['app/n', n], { flush: true });
    c = await wsOf(h, m);
    expect(m.recovered).toBe(false);
    expect(c.pushes()).toEqual([]);
    expect(extOf(c.frames()[0])).toMatchObject({ offset: 5 });
    h.server.send('alice', ['app/n', 6], { flush: true });
    take(c, m, 1);
    expect(m.seen).toEqual([6]);
  });

  it('says recovered: false after a restart: a new server has a new epoch', async () => {
    const h1 = new Harness();
    const m = new Model();
    await wsOf(h1, m);
    await h1.server.close();
    const h2 = new Harness();
    await wsOf(h2, m);
    expect(m.recovered).toBe(false);
  });

  it('reads a garbage position as none: no replay, no crash, no recovered flag', async () => {
    const h = new Harness();
    await h.ws('c0', { uid: 'alice', query: EXT });
    h.server.send('alice', ['app/n', 1], { flush: true });
    for (const pos of ['x', ':1', 'abc:-1', 'abc:1e9', `${'e'.repeat(65)}:1`, 'abc:99999999999999999999']) {
      const c = await h.ws(`g-${pos.length}`, { uid: 'alice', query: { ...EXT, 'sente-pos': pos } });
      expect(extOf(c.frames()[0])?.recovered).toBeUndefined();
      expect(c.pushes()).toEqual([]);
    }
    expect(h.errorCodes()).toEqual([]);
  });

  it('keeps a push to one client in that client\'s stream: another tab does not replay it', async () => {
    const h = new Harness();
    const a = new Model();
    const b = new Model();
    let ca = await wsOf(h, a, 'tab-a');
    let cb = await wsOf(h, b, 'tab-b');
    ca.drop(1006);
    cb.drop(1006);
    await h.advance(3000);
    h.server.sendToClient({ uid: 'alice', clientId: 'tab-a' }, ['app/n', 'only-a'], { flush: true });
    h.server.send('alice', ['app/n', 'both'], { flush: true });
    ca = await wsOf(h, a, 'tab-a');
    cb = await wsOf(h, b, 'tab-b');
    take(ca, a, 1);
    take(cb, b, 1);
    expect(a.seen).toEqual(['only-a', 'both']);
    expect(b.seen).toEqual(['both']);
  });

  it('reaches users who are away with a broadcast, through the log', async () => {
    const h = new Harness();
    const m = new Model();
    let c = await wsOf(h, m);
    c.drop(1006);
    await h.advance(3000);
    expect(h.server.connectedUids.any.has('alice')).toBe(false);
    h.server.broadcast(['app/n', 'all'], { flush: true });
    c = await wsOf(h, m);
    take(c, m, 1);
    expect(m.seen).toEqual(['all']);
  });

  it('replays to an Ajax client: its handshake gives the position, its next poll gets what it missed', async () => {
    const h = new Harness();
    const m = new Model();
    const hs = await h.ajaxGet('a1', { uid: 'alice', handshake: true, query: m.query });
    m.handshake(hs.body());
    let poll: AjaxRequest = await h.ajaxGet('a1', { uid: 'alice', query: m.query });
    h.server.send('alice', ['app/n', 1], { flush: true });
    m.batch(poll.body());
    await h.advance(6000); // no poll for longer than msAllowReconnectBeforeCloseAjax
    expect(h.server.stats().ajaxClients).toBe(0);
    h.server.send('alice', ['app/n', 2]);
    h.server.send('alice', ['app/n', 3], { flush: true });
    const again = await h.ajaxGet('a1', { uid: 'alice', handshake: true, query: m.query });
    m.handshake(again.body());
    expect(m.recovered).toBe(true);
    poll = await h.ajaxGet('a1', { uid: 'alice', query: m.query });
    m.batch(poll.body());
    expect(m.seen).toEqual([1, 2, 3]);
  });

  it.each([1, 2, 3, 4, 5])('seed %i: every push reaches the app once, in order, across outages shorter than the window', async (seed) => {
    let a = seed >>> 0;
    const rnd = (): number => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), a | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const h = new Harness();
    const models = [new Model(), new Model(), new Model()];
    const sockets: (WsClient | undefined)[] = [];
    const read: number[] = [];
    let sent = 0;
    for (let i = 0; i < models.length; i++) {
      sockets[i] = await wsOf(h, models[i] as Model, `c${i}`);
      read[i] = 1;
    }
    for (let step = 0; step < 300; step++) {
      const i = Math.floor(rnd() * models.length);
      const r = rnd();
      const s = sockets[i];
      if (r < 0.5) h.server.send('alice', ['app/n', ++sent], rnd() < 0.5 ? { flush: true } : undefined);
      else if (r < 0.6 && s !== undefined) {
        if (rnd() < 0.5) s.channel.vanish(); // a batch in flight is lost too
        s.drop(1006);
        sockets[i] = undefined;
      } else if (r < 0.75 && s === undefined) {
        sockets[i] = await wsOf(h, models[i] as Model, `c${i}`);
        read[i] = 1;
      } else if (s !== undefined && s.channel.isOpen()) read[i] = take(s, models[i] as Model, read[i] as number);
      else await h.advance(Math.floor(rnd() * 4000));
    }
    h.server.send('alice', ['app/n', ++sent], { flush: true });
    for (let i = 0; i < models.length; i++) {
      if (sockets[i] === undefined || !sockets[i]?.channel.isOpen()) {
        sockets[i] = await wsOf(h, models[i] as Model, `c${i}`);
        read[i] = 1;
      }
      take(sockets[i] as WsClient, models[i] as Model, read[i] as number);
      expect(models[i]?.seen).toEqual(Array.from({ length: sent }, (_, k) => k + 1).slice(models[i]?.seen.length ? (models[i]?.seen[0] as number) - 1 : sent));
    }
    for (const s of sockets) s?.drop();
    await h.advance(10_000);
    expect(h.server.stats()).toMatchObject({ wsClients: 0, timers: 0, queuedBatches: 0, bufferedBatches: 0 });
  });
});
