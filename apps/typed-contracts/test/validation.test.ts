/**
 * Run-time validation at the boundary, on a real server (`senteHttp` on port 0
 * of 127.0.0.1) and real clients over `ws` and Ajax: the same contract, built
 * with zod, valibot and arktype, given to both sides with no adapter code.
 */
import http from 'node:http';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { createSenteClient, isSenteError } from '@sente/client';
import type { ClientType, SenteClient } from '@sente/client';
import { senteHttp } from '@sente/node';
import type { SenteHttp } from '@sente/node';
import type { SenteContract, SenteError } from '@sente/core';
import { contracts } from '../src/contracts.js';

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A server and one client of uid `u1`, both given `contract` (or none). */
async function start<C extends SenteContract>(serverContract: C | undefined, clientContract: C | undefined, type: ClientType = 'ws') {
  const serverErrors: SenteError[] = [];
  const clientErrors: unknown[] = [];
  const sente: SenteHttp = senteHttp({
    ...(serverContract === undefined ? {} : { contract: serverContract }),
    csrfToken: null,
    userId: (req) => req.query['uid'],
    onError: (e) => serverErrors.push(e),
  }) as unknown as SenteHttp;
  const httpServer = http.createServer(sente.listener);
  sente.attach(httpServer);
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => httpServer.close(() => resolve())));
  closers.push(() => sente.close());
  const { port } = httpServer.address() as { port: number };
  const client: SenteClient = createSenteClient(`http://127.0.0.1:${port}/chsk`, null, {
    type,
    WebSocket,
    params: { uid: 'u1' },
    onError: (e) => clientErrors.push(e),
    ...(clientContract === undefined ? {} : { contract: clientContract }),
  }) as unknown as SenteClient;
  closers.push(() => void client.disconnect());
  await until(() => client.state.open);
  return { server: sente.server, client, serverErrors, clientErrors };
}

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!ok()) throw new Error('timed out waiting');
}

async function rejection(p: Promise<unknown>): Promise<SenteError> {
  try {
    await p;
  } catch (e) {
    if (isSenteError(e)) return e;
    throw e;
  }
  throw new Error('resolved');
}

describe.each(Object.entries(contracts))('a %s contract on both sides', (_name, contract) => {
  it.each(['ws', 'ajax'] as const)('answers a request whose payload fails its schema with a BadEventReply, never calling the handler (%s)', async (type) => {
    const { server, client, serverErrors } = await start(contract, contract, type);
    const seen: string[] = [];
    server.startRouter((msg) => {
      seen.push(msg.id);
      msg.reply?.({ ok: true, id: 1 });
    });
    const e = await rejection(client.request(['chat/send', { text: '' }] as never, 5000));
    expect(e.code).toBe('ERR_SENTE_BAD_EVENT');
    expect(e.message).toMatch(/^Bad event "chat\/send": text: /);
    expect((e.cause as Array<{ path?: unknown[] }>)[0]?.path).toEqual(['text']);
    expect(seen.filter((id) => !id.startsWith('chsk/'))).toEqual([]);
    expect(serverErrors.map((x) => x.code)).toContain('ERR_SENTE_BAD_EVENT');
    // A valid one gets through, and its reply is checked and typed.
    await expect(client.request(['chat/send', { text: 'hi' }], 5000)).resolves.toEqual({ ok: true, id: 1 });
  });

  it('turns an event that fails its schema into chsk/bad-event', async () => {
    const { server, client } = await start(contract, contract);
    const seen: Array<readonly [string, unknown]> = [];
    server.startRouter((msg) => void seen.push([msg.id, msg.data]));
    client.send(['chat/typing', { room: 7 }] as never);
    client.send(['chat/typing', { room: 'lobby' }]);
    await until(() => seen.some(([id]) => id === 'chat/typing'));
    expect(seen.filter(([id]) => id !== 'chsk/uidport-open')).toEqual([
      ['chsk/bad-event', ['chat/typing', { room: 7 }]],
      ['chat/typing', { room: 'lobby' }],
    ]);
  });

  it('refuses ids the contract does not declare', async () => {
    const { server, client } = await start(contract, undefined);
    const seen: string[] = [];
    server.startRouter((msg) => void seen.push(msg.id));
    const e = await rejection(client.request(['chat/other', {}], 5000));
    expect(e.code).toBe('ERR_SENTE_BAD_EVENT');
    expect(e.message).toBe('Bad event "chat/other": "chat/other" is not in the contract.');
    expect(seen).not.toContain('chat/other');
  });

  it('hands the handler the schema output (a transform runs)', async () => {
    const { server, client } = await start(contract, contract);
    server.startRouter((msg) => {
      const at = (msg.data as { at?: unknown } | undefined)?.at;
      if (msg.id === 'chat/since') msg.reply?.([at instanceof Date ? at.toISOString() : 'not a date']);
    });
    await expect(client.request(['chat/since', { at: '2026-01-01T00:00:00.000Z' }], 5000)).resolves.toEqual(['2026-01-01T00:00:00.000Z']);
  });

  it('rejects a reply that fails the client schema with ERR_SENTE_BAD_REPLY', async () => {
    // An untyped server, whose handler replies what the contract forbids.
    const { server, client } = await start(undefined, contract);
    server.startRouter((msg) => msg.reply?.({ ok: 'yes' }));
    const e = await rejection(client.request(['chat/send', { text: 'hi' }], 5000));
    expect(e.code).toBe('ERR_SENTE_BAD_REPLY');
    expect(e.message).toMatch(/^Bad reply to "chat\/send": /);
  });

  it('gives a callback of an invalid reply chsk/error, and reports it', async () => {
    const { server, client, clientErrors } = await start(undefined, contract);
    server.startRouter((msg) => msg.reply?.({ ok: 1 }));
    const reply = await new Promise((resolve) => client.send(['chat/send', { text: 'hi' }], 5000, resolve));
    expect(reply).toBe('chsk/error');
    expect(clientErrors.map((e) => (e as SenteError).code)).toContain('ERR_SENTE_BAD_REPLY');
  });

  it('drops a push that fails its schema, reports it, and delivers the valid ones', async () => {
    const { server, client, clientErrors } = await start(undefined, contract);
    const viaOn: unknown[] = [];
    const viaRouter: unknown[] = [];
    client.on('event', (ev) => void viaOn.push(ev));
    client.startRouter((msg) => {
      if (!msg.id.startsWith('chsk/')) viaRouter.push(msg.event);
    });
    server.send('u1', ['chat/message', { from: 'a' }]);
    server.send('u1', ['chat/unknown', { from: 'a', text: 'b' }]);
    server.send('u1', ['chat/message', { from: 'a', text: 'b' }]);
    await until(() => viaOn.length > 0 && viaRouter.length > 0);
    expect(viaOn).toEqual([['chat/message', { from: 'a', text: 'b' }]]);
    expect(viaRouter).toEqual([['chat/message', { from: 'a', text: 'b' }]]);
    const codes = clientErrors.map((e) => (e as SenteError).code);
    // Each bad push is reported once, however many listeners it had.
    expect(codes.filter((c) => c === 'ERR_SENTE_BAD_REPLY')).toHaveLength(2);
  });

  it('rejects a server request whose answer fails its schema; answers a bad server request with a BadEventReply', async () => {
    const { server, client } = await start(contract, undefined);
    client.startRouter((msg) => {
      if (msg.id === 'app/confirm') msg.reply?.('maybe');
    });
    const clientId = client.clientId;
    const e = await rejection(server.request({ uid: 'u1', clientId }, ['app/confirm', { question: 'Delete?' }], 5000));
    expect(e.code).toBe('ERR_SENTE_BAD_REPLY');
    expect(e.message).toMatch(/^Bad answer to "app\/confirm": /);
  });

  it('answers a server request that fails the client schema with a BadEventReply, without calling the handler', async () => {
    const { server, client } = await start(undefined, contract);
    const seen: string[] = [];
    client.startRouter((msg) => {
      seen.push(msg.id);
      msg.reply?.(true);
    });
    const answer = await server.request({ uid: 'u1', clientId: client.clientId }, ['app/confirm', { text: 'Delete?' }], 5000);
    expect(answer).toMatchObject({ error: 'ERR_SENTE_BAD_EVENT', id: 'app/confirm' });
    expect(seen).not.toContain('app/confirm');
  });
});

describe('without schemas nothing is checked', () => {
  it('lets any event through to the handler, as before', async () => {
    const typeOnly = { requests: { 'chat/send': { payload: 'a type only', reply: 'a type only' } } } satisfies SenteContract;
    const { server, client } = await start(typeOnly, typeOnly);
    server.startRouter((msg) => msg.reply?.({ echo: msg.data }));
    await expect(client.request(['chat/send', 42] as never, 5000)).resolves.toEqual({ echo: 42 });
    await expect(client.request(['any/thing', 1] as never, 5000)).resolves.toEqual({ echo: 1 });
  });
});
