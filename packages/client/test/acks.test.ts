import { Keyword } from '@sente/core';
import { json } from '@sente/packer-json';
import { beforeAll, describe, expect, it } from 'vitest';
import { harness } from './support/clients.js';
import { flush } from './support/fake-fetch.js';
import type { FakeRequest } from './support/fake-fetch.js';
import { loadFallback } from '../src/lazy-ajax.js';

beforeAll(() => loadFallback());

const K = (n: string) => Keyword.for(n);
/** The handshake of a server of the extensions, one event per POST; with `acks` when it takes `a`. */
const handshake = (acks: boolean, limits: Record<string, number> = {}) =>
  json.pack([[K('chsk/handshake'), ['u1', null, null, { v: 1, ...(acks ? { acks: true } : {}), ...limits }]], null]) as string;
const extOf = (r: FakeRequest | undefined): { m?: string; a?: string } => (JSON.parse(new URLSearchParams(r?.init.body as string).get('ppstr') ?? '') as unknown[])[2] as { m?: string; a?: string };

/** Sends `n` requests one after the other, each answered before the next; gives the extensions each went with. */
async function oneByOne(fetch: ReturnType<typeof harness>['fetch'], client: ReturnType<typeof harness>['client'], n: number, answer = (i: number) => i !== -1): Promise<{ m?: string; a?: string }[]> {
  const sent: { m?: string; a?: string }[] = [];
  for (let i = 0; i < n; i++) {
    client.send(['q/n', i], 5000, () => {});
    await flush();
    const post = fetch.open('POST').at(-1);
    sent.push(extOf(post));
    if (answer(i)) post?.respond(json.pack([i, null]) as string);
    await flush();
  }
  return sent;
}

describe('telling the server which replies came (a)', () => {
  it('names, one request in 32, the first of its message ids still waiting for a reply, to a server whose handshake said acks', async () => {
    const { client, fetch } = harness({ type: 'ajax' });
    fetch.last.respond(handshake(true));
    await flush();
    const sent = await oneByOne(fetch, client, 70);
    const prefix = (sent[0]?.m ?? '').slice(0, -1);
    expect(sent.map((e) => e.m)).toEqual(sent.map((_, i) => `${prefix}${i}`));
    // Replies 0–31 came when request 32 goes: it says so, and again 32 requests later.
    expect(sent.flatMap((e, i) => (e.a === undefined ? [] : [[i, e.a]]))).toEqual([
      [32, `${prefix}32`],
      [64, `${prefix}64`],
    ]);
  });

  it('names no id past a request still waiting for its reply', async () => {
    const { client, fetch } = harness({ type: 'ajax' });
    fetch.last.respond(handshake(true));
    await flush();
    // Request 3 is never answered (its POST stays open, the others are answered on other POSTs).
    const sent = await oneByOne(fetch, client, 70, (i) => i !== 3);
    const prefix = (sent[0]?.m ?? '').slice(0, -1);
    expect(sent.flatMap((e) => (e.a === undefined ? [] : [e.a]))).toEqual([]);
    expect(sent[69]?.m).toBe(`${prefix}69`);
  });

  it('is not held back by a request refused before it went (over the server\'s limit)', async () => {
    const { client, fetch } = harness({ type: 'ajax' });
    fetch.last.respond(handshake(true, { maxPayloadBytes: 200 }));
    await flush();
    expect(() => client.send(['q/big', 'x'.repeat(300)], 5000, () => {})).toThrow(expect.objectContaining({ code: 'ERR_SENTE_PAYLOAD_TOO_LARGE' }));
    const sent = await oneByOne(fetch, client, 40);
    const prefix = (sent[0]?.m ?? '').slice(0, -1);
    expect(sent.flatMap((e) => (e.a === undefined ? [] : [e.a]))).toEqual([`${prefix}32`]);
  });

  it('sends no a to a server whose handshake did not say acks', async () => {
    const { client, fetch } = harness({ type: 'ajax' });
    fetch.last.respond(handshake(false));
    await flush();
    const sent = await oneByOne(fetch, client, 40);
    expect(sent.every((e) => e.m !== undefined && e.a === undefined)).toBe(true);
  });
});
