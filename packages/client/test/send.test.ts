import { Keyword, isSenteError } from '@sente/core';
import type { Packer, SenteEvent } from '@sente/core';
import { json } from '@sente/packer-json';
import { describe, expect, it } from 'vitest';
import { harness } from './support/clients.js';
import { FakeWebSocket } from './support/fake-web-socket.js';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return isSenteError(e) ? e.code : 'not a SenteError';
  }
  return undefined;
};

describe('send checks', () => {
  it('throws ERR_SENTE_BAD_EVENT for invalid events and reserved chsk/* and sente/* ids, open or not', () => {
    const { client } = harness({ type: 'ws' });
    expect(codeOf(() => client.send(['no-namespace']))).toBe('ERR_SENTE_BAD_EVENT');
    expect(codeOf(() => client.send('chat/x' as never))).toBe('ERR_SENTE_BAD_EVENT');
    FakeWebSocket.last.handshake();
    expect(codeOf(() => client.send(['chsk/ws-ping']))).toBe('ERR_SENTE_BAD_EVENT');
    expect(codeOf(() => client.send(['sente/nil-uid']))).toBe('ERR_SENTE_BAD_EVENT');
    expect(codeOf(() => client.send(['chat/x', 1, 2] as never))).toBe('ERR_SENTE_BAD_EVENT');
    expect(FakeWebSocket.last.sent).toEqual([]);
  });

  it('throws ERR_SENTE_BAD_OPTION for a callback without a timeout or a bad timeout', () => {
    const { client } = harness({ type: 'ws' });
    FakeWebSocket.last.handshake();
    expect(codeOf(() => client.send(['chat/x'], { cb: () => {} }))).toBe('ERR_SENTE_BAD_OPTION');
    expect(codeOf(() => client.send(['chat/x'], -1, () => {}))).toBe('ERR_SENTE_BAD_OPTION');
    expect(codeOf(() => client.send(['chat/x'], Number.NaN, () => {}))).toBe('ERR_SENTE_BAD_OPTION');
  });

  it('throws ERR_SENTE_PAYLOAD_TOO_LARGE past maxPayloadBytes, counting UTF-8 bytes, and sends nothing', () => {
    const { client } = harness({ type: 'ws', maxPayloadBytes: 100 });
    FakeWebSocket.last.handshake();
    // ["chat/x","…"] + ,null] wrapping: 20 bytes of overhead around the text.
    expect(client.send(['chat/x', 'a'.repeat(70)])).toBe(true);
    expect(codeOf(() => client.send(['chat/x', 'é'.repeat(70)]))).toBe('ERR_SENTE_PAYLOAD_TOO_LARGE');
    expect(codeOf(() => client.send(['chat/x', 'a'.repeat(200)]))).toBe('ERR_SENTE_PAYLOAD_TOO_LARGE');
    expect(FakeWebSocket.last.sent).toHaveLength(1);
  });
});

describe('request', () => {
  it('resolves with the reply', async () => {
    const { client } = harness({ type: 'ws' });
    FakeWebSocket.last.handshake();
    const p = client.request(['chat/q', 1], 1000);
    const cbId = (FakeWebSocket.last.frames[0] as [unknown, string])[1];
    FakeWebSocket.last.serverSend([{ answer: 42 }, cbId]);
    await expect(p).resolves.toEqual({ answer: 42 });
  });

  it('rejects with ERR_SENTE_CLOSED, ERR_SENTE_TIMEOUT and ERR_SENTE_TRANSPORT', async () => {
    const { client, clock } = harness({ type: 'ws' });
    FakeWebSocket.last.handshake();
    const timedOut = client.request(['chat/q'], 1000);
    clock.advance(1000);
    await expect(timedOut).rejects.toMatchObject({ code: 'ERR_SENTE_TIMEOUT', message: 'No reply within 1000 ms.' });
    const dropped = client.request(['chat/q'], 1000);
    FakeWebSocket.last.serverClose();
    await expect(dropped).rejects.toMatchObject({ code: 'ERR_SENTE_TRANSPORT' });
    client.disconnect();
    await expect(client.request(['chat/q'], 1000)).rejects.toMatchObject({ code: 'ERR_SENTE_CLOSED' });
  });

  it('rejects, rather than throws, for a bad event', async () => {
    const { client } = harness({ type: 'ws' });
    await expect(client.request(['bad'], 1000)).rejects.toMatchObject({ code: 'ERR_SENTE_BAD_EVENT' });
  });
});

describe('events as the packer gets them', () => {
  /** The JSON packer, recording the envelopes it packs, declaring `keywordsAsNames` as told. */
  const recording = (keywordsAsNames: boolean): { packer: Packer; packed: unknown[] } => {
    const packed: unknown[] = [];
    const packer: Packer = {
      name: 'json',
      binary: false,
      keywordsAsNames,
      pack: (v) => {
        packed.push(v);
        return json.pack(v);
      },
      unpack: (d) => json.unpack(d),
    };
    return { packer, packed };
  };

  it('gives a packer that writes keywords as names the ids as strings, any other packer keywords, with the same frames', () => {
    for (const asNames of [true, false]) {
      const { packer, packed } = recording(asNames);
      const { client } = harness({ type: 'ws', packer, wsKaliveMs: null });
      FakeWebSocket.last.handshake();
      client.send(['chat/hello', { a: 1 }]);
      const [event] = packed.at(-1) as [[unknown, unknown]];
      expect(event[0]).toBe(asNames ? 'chat/hello' : Keyword.for('chat/hello'));
      expect(FakeWebSocket.last.frames.at(-1)).toEqual([['chat/hello', { a: 1 }], null]);
    }
  });

  it('sends a queued event as it was when sent, whatever the app does with its array after', () => {
    const { client } = harness({ type: 'ws', wsKaliveMs: null });
    const event: [string, unknown] = ['chat/hello', 1];
    expect(client.send(event as SenteEvent)).toBe(true);
    event[0] = 'chat/changed';
    event[1] = 2;
    FakeWebSocket.last.handshake();
    expect(FakeWebSocket.last.frames).toEqual([[['chat/hello', 1], null]]);
  });
});
