import { Keyword } from '@sente/core';
import { json } from '@sente/packer-json';
import { beforeAll, describe, expect, it } from 'vitest';
import { harness } from './support/clients.js';
import { flush } from './support/fake-fetch.js';
import type { FakeRequest } from './support/fake-fetch.js';
import { loadFallback } from '../src/lazy-ajax.js';

// These tests drive the Ajax code with a fake clock, step by step: it is loaded
// beforehand, as a page has it once a client went to Ajax (lazy-ajax.test.ts
// covers the load itself).
beforeAll(() => loadFallback());

const K = (n: string) => Keyword.for(n);
/** A handshake of a server of the extensions that takes up to `max` events per POST. */
const extHandshake = (max?: number) => json.pack([[K('chsk/handshake'), ['u1', null, null, { v: 1, ...(max === undefined ? {} : { maxPostEvents: max }) }]], null]) as string;
const plainHandshake = () => json.pack([[K('chsk/handshake'), ['u1', null, null]], null]) as string;
const ppstr = (r: FakeRequest | undefined): unknown => JSON.parse(new URLSearchParams(r?.init.body as string).get('ppstr') ?? '');

describe('Ajax sends with a server that takes batch POSTs', () => {
  it('sends at once with no POST in flight, then the sends made meanwhile (and by the callbacks) together, replies to each callback', async () => {
    const { client, fetch } = harness({ type: 'ajax' });
    fetch.last.respond(extHandshake(3));
    await flush();
    const replies: string[] = [];
    for (let i = 0; i < 5; i++) client.send(['q/n', i], 5000, (r) => replies.push(`${i}:${String(r)}`));
    let posts = fetch.open('POST');
    expect(posts).toHaveLength(1);
    expect(ppstr(posts[0])).toMatchObject([['q/n', 0], 'ajax', { m: expect.any(String) }]);
    posts[0]?.respond(json.pack(['r0', null]) as string);
    await flush();
    // Sends 1, 2 and 3 (three: the server's maxPostEvents) in one batch POST, in order.
    posts = fetch.open('POST');
    expect(posts).toHaveLength(1);
    const body = ppstr(posts[0]) as [unknown[], null, { b: number }];
    expect(body[2]).toEqual({ b: 3 });
    expect(body[0].map((e) => (e as [unknown])[0])).toEqual([['q/n', 1], ['q/n', 2], ['q/n', 3]]);
    posts[0]?.respond(json.pack([['r1', K('chsk/timeout'), 'r3'], null]) as string);
    await flush();
    posts = fetch.open('POST');
    expect(posts).toHaveLength(1);
    expect((ppstr(posts[0]) as unknown[]).slice(0, 2)).toEqual([['q/n', 4], 'ajax']);
    posts[0]?.respond(json.pack(['r4', null]) as string);
    await flush();
    expect(replies).toEqual(['0:r0', '1:r1', '2:chsk/timeout', '3:r3', '4:r4']);
  });

  it('puts what request() callers send on their replies, in a .then() or after an await, in the next batch POST with what waited', async () => {
    const { client, fetch } = harness({ type: 'ajax' });
    fetch.last.respond(extHandshake(32));
    await flush();
    const again = (i: number): Promise<unknown> => client.request(['q/again', i], 5000);
    const ask = async (i: number): Promise<unknown> => {
      await client.request(['q/first', i], 5000);
      return again(i);
    };
    const settled = [0, 1, 2].map((i) => (i === 2 ? client.request(['q/first', i], 5000).then(() => again(i)) : ask(i)));
    const ids = (r: FakeRequest | undefined): unknown[] => (ppstr(r) as [unknown[]])[0].map((e) => (e as [unknown])[0]);
    // The first alone; once it is answered, the two that waited, with what its caller sent on its reply after an await.
    expect(fetch.open('POST')).toHaveLength(1);
    fetch.open('POST')[0]?.respond(json.pack(['r', null]) as string);
    await flush();
    let posts = fetch.open('POST');
    expect(posts).toHaveLength(1);
    expect(ids(posts[0])).toEqual([['q/first', 1], ['q/first', 2], ['q/again', 0]]);
    posts[0]?.respond(json.pack([['r', 'r', 'a0'], null]) as string);
    await flush();
    // What the callers sent on these replies, in a .then() and after an await, together.
    posts = fetch.open('POST');
    expect(posts).toHaveLength(1);
    expect(ids(posts[0])).toEqual([['q/again', 1], ['q/again', 2]]);
    posts[0]?.respond(json.pack([['a1', 'a2'], null]) as string);
    expect(await Promise.all(settled)).toEqual(['a0', 'a1', 'a2']);
  });

  it('sends what waited more than 200 ms in another POST, so that a slow reply does not hold it', async () => {
    const { client, fetch, clock } = harness({ type: 'ajax' });
    fetch.last.respond(extHandshake(32));
    await flush();
    const replies: unknown[] = [];
    client.send(['q/slow'], 60_000, (r) => replies.push(r));
    client.send(['q/quick', 1], 5000, (r) => replies.push(r));
    client.send(['q/quick', 2], 5000, (r) => replies.push(r));
    clock.advance(199);
    expect(fetch.open('POST')).toHaveLength(1);
    clock.advance(1);
    const posts = fetch.open('POST');
    expect(posts).toHaveLength(2);
    expect((ppstr(posts[1]) as [unknown[], null, { b: number }])[2]).toEqual({ b: 2 });
    posts[1]?.respond(json.pack([[1, 2], null]) as string);
    await flush();
    expect(replies).toEqual([1, 2]);
  });

  it('fails every event of a batch POST answered with an error status', async () => {
    const { client, fetch } = harness({ type: 'ajax' });
    fetch.last.respond(extHandshake(32));
    await flush();
    const replies: unknown[] = [];
    for (let i = 0; i < 4; i++) client.send(['q/n', i], 5000, (r) => replies.push(r));
    fetch.open('POST')[0]?.respond(json.pack(['r0', null]) as string);
    await flush();
    const batch = fetch.open('POST')[0];
    expect((ppstr(batch) as [unknown, unknown, { b?: number }])[2].b).toBe(3);
    batch?.respond('boom', 500);
    await flush();
    expect(replies).toEqual(['r0', 'chsk/error', 'chsk/error', 'chsk/error']);
  });

  it('gives a waiting send its own timeout and never sends it', async () => {
    const { client, fetch, clock } = harness({ type: 'ajax' });
    fetch.last.respond(extHandshake(32));
    await flush();
    const replies: string[] = [];
    client.send(['q/a'], 60_000, (r) => replies.push(`a:${String(r)}`));
    client.send(['q/b'], 60_000, (r) => replies.push(`b:${String(r)}`));
    client.send(['q/c'], 100, (r) => replies.push(`c:${String(r)}`));
    clock.advance(100);
    await flush();
    expect(replies).toEqual(['c:chsk/timeout']);
    clock.advance(100);
    const [a, b] = fetch.open('POST');
    expect((ppstr(b) as unknown[]).slice(0, 2)).toEqual([['q/b'], 'ajax']);
    a?.respond(json.pack(['A', null]) as string);
    b?.respond(json.pack(['B', null]) as string);
    await flush();
    expect(fetch.requests.filter((r) => r.init.method === 'POST')).toHaveLength(2);
    expect(replies).toEqual(['c:chsk/timeout', 'a:A', 'b:B']);
  });

  it('disconnect() fails the sends in flight and the waiting ones, and leaves no timer', async () => {
    const { client, fetch, clock } = harness({ type: 'ajax' });
    fetch.last.respond(extHandshake(32));
    await flush();
    const replies: unknown[] = [];
    for (let i = 0; i < 5; i++) client.send(['q/n', i], 5000, (r) => replies.push(r));
    client.disconnect();
    await flush();
    expect(replies).toEqual(Array(5).fill('chsk/error'));
    expect(clock.pending).toBe(0);
  });

  it.each([
    ['a Sente server', plainHandshake()],
    ['a server of the extensions that offers no batch POSTs', extHandshake()],
  ])('sends one event per POST, each at once, to %s', async (_name, hs) => {
    const { client, fetch } = harness({ type: 'ajax' });
    fetch.last.respond(hs);
    await flush();
    for (let i = 0; i < 5; i++) client.send(['q/n', i], 5000, () => {});
    const posts = fetch.open('POST');
    expect(posts).toHaveLength(5);
    expect(posts.map((p) => (ppstr(p) as [unknown])[0])).toEqual([0, 1, 2, 3, 4].map((i) => ['q/n', i]));
  });
});
