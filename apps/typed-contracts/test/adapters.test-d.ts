import { describe, expectTypeOf, test } from 'vitest';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import type {} from 'express-session';
import type {} from '@fastify/session';
import { senteExpress } from '@sente/express';
import { senteFastify, senteOf } from '@sente/fastify';
import { senteKoa } from '@sente/koa';
import { senteHttp } from '@sente/node';
import type { SenteServer } from '@sente/core';
import type { Request } from 'express';
import type { IncomingMessage } from 'node:http';
import { zodChat } from '../src/contracts.js';

declare module 'express-session' {
  interface SessionData {
    uid: string;
  }
}

declare module 'fastify' {
  interface Session {
    uid?: string | undefined;
  }
}

// fastify.sente typed for the whole app, as fastify types its decorators.
declare module '@sente/fastify' {
  interface SenteFastifyRegister {
    contract: typeof zodChat;
  }
}

type Chat = {
  requests: { 'chat/send': { payload: { text: string }; reply: { ok: boolean } } };
  pushes: { 'chat/message': { text: string } };
};

describe('every adapter is generic over the contract', () => {
  test('express: by type argument, by contract value, or none', () => {
    const typed = senteExpress<Chat>({});
    typed.server.startRouter((msg) => {
      if (msg.id === 'chat/send') msg.reply?.({ ok: true });
    });
    // @ts-expect-error unknown push
    typed.server.broadcast(['chat/nope', {}]);
    const fromValue = senteExpress({ contract: zodChat });
    fromValue.server.broadcast(['chat/message', { from: 'a', text: 'b' }]);
    const untyped = senteExpress();
    expectTypeOf(untyped.server).toEqualTypeOf<SenteServer<Request>>();
  });

  test('koa and node', () => {
    const koa = senteKoa<Chat>({ app: new Koa() });
    koa.server.send('u', ['chat/message', { text: 'hi' }]);
    // @ts-expect-error the data is { text: string }
    koa.server.send('u', ['chat/message', { text: 1 }]);
    const http = senteHttp({ contract: zodChat });
    http.server.startRouter((msg) => {
      if (msg.id === 'chat/typing') expectTypeOf(msg.data.room).toEqualTypeOf<string>();
    });
    expectTypeOf(senteHttp().server).toEqualTypeOf<SenteServer<IncomingMessage>>();
  });

  test('fastify takes the contract in its options', async () => {
    const app = Fastify();
    await app.register(senteFastify, { contract: zodChat });
  });
});

describe('hooks read the framework session, typed, with no cast', () => {
  test('express-session', () => {
    senteExpress({ userId: (req) => req.session?.uid });
    // @ts-expect-error SessionData declares no such field
    senteExpress({ userId: (req) => req.session?.name });
  });

  test('@fastify/session', async () => {
    const app = Fastify();
    await app.register(senteFastify, { userId: (req) => req.session?.uid });
  });

  test('koa (ctx.session is whatever koa-session put there)', () => {
    senteKoa({ app: new Koa(), validateCsrf: (req) => typeof req.session?.secret === 'string' });
  });

  test('no session middleware: unknown, as before', () => {
    senteHttp({ userId: (req) => expectTypeOf(req.session).toEqualTypeOf<unknown>() as never });
  });
});

void express;

describe('senteOf types fastify.sente by a contract', () => {
  test('by value and by type argument', async () => {
    const app = Fastify();
    await app.register(senteFastify, { contract: zodChat });
    const sente = senteOf(app, zodChat);
    sente.broadcast(['chat/message', { from: 'a', text: 'b' }]);
    // @ts-expect-error text is missing
    sente.broadcast(['chat/message', { from: 'a' }]);
    // @ts-expect-error Chat declares no server requests
    void senteOf<Chat>(app).request('c', ['app/confirm', {}]);
    senteOf<Chat>(app).send('u', ['chat/message', { text: 'hi' }]);
  });
});

describe('SenteFastifyRegister types fastify.sente for the whole app', () => {
  test('app.sente is typed by the registered contract', async () => {
    const app = Fastify();
    await app.register(senteFastify, { contract: zodChat });
    app.sente.broadcast(['chat/message', { from: 'a', text: 'b' }]);
    // @ts-expect-error text is missing
    app.sente.broadcast(['chat/message', { from: 'a' }]);
    app.sente.startRouter((msg) => {
      if (msg.id === 'chat/send') msg.reply?.({ ok: true, id: 1 });
    });
  });
});
