import { describe, expectTypeOf, test } from 'vitest';
import { createSenteClient, isBadEventReply, isCbError, isCbSuccess } from '@sente/client';
import { createSenteServer } from '@sente/core';
import { json } from '@sente/packer-json';
import type { BadEventReply, SenteEvent, ServerEventMsg, SenteServer } from '@sente/core';
import type { SenteClient } from '@sente/client';

/** A contract that is only a type: the four kinds, kept apart. */
type Chat = {
  events: { 'chat/typing': { room: string }; 'chat/ping': undefined };
  requests: { 'chat/send': { payload: { text: string }; reply: { ok: boolean; id: number } } };
  pushes: { 'chat/message': { from: string; text: string } };
  serverRequests: { 'app/confirm': { payload: { question: string }; reply: boolean } };
};

const client = createSenteClient<Chat>('/chsk', null, { autoConnect: false });
const server = createSenteServer<unknown, Chat>({ packer: json });

describe('a client typed by a plain-type contract', () => {
  test('request checks the payload and resolves to the declared reply', () => {
    expectTypeOf(client.request(['chat/send', { text: 'hi' }], 5000)).resolves.toEqualTypeOf<{ ok: boolean; id: number }>();
    // @ts-expect-error the payload is { text: string }
    void client.request(['chat/send', { text: 1 }], 5000);
    // @ts-expect-error a payload is required
    void client.request(['chat/send'], 5000);
    // @ts-expect-error unknown request id
    void client.request(['chat/nope', { text: 'hi' }], 5000);
    // @ts-expect-error an event is not a request: it has no reply
    void client.request(['chat/typing', { room: 'a' }], 5000);
    // @ts-expect-error a timeout is required
    void client.request(['chat/send', { text: 'hi' }]);
  });

  test('send takes only declared events; a request needs its callback', () => {
    expectTypeOf(client.send(['chat/typing', { room: 'lobby' }])).toEqualTypeOf<boolean>();
    client.send(['chat/ping']);
    // @ts-expect-error the data is { room: string }
    client.send(['chat/typing', { room: 1 }]);
    // @ts-expect-error unknown event id
    client.send(['chat/typo', { room: 'lobby' }]);
    // @ts-expect-error a request sent without a callback would lose its reply
    client.send(['chat/send', { text: 'hi' }]);
    // @ts-expect-error Sente's own ids are not the app's
    client.send(['chsk/ws-ping']);
  });

  test('callback forms keep the reply type and the timeout', () => {
    client.send(['chat/send', { text: 'hi' }], 5000, (reply) => {
      expectTypeOf(reply).toEqualTypeOf<{ ok: boolean; id: number } | 'chsk/closed' | 'chsk/timeout' | 'chsk/error' | BadEventReply>();
    });
    client.send(['chat/send', { text: 'hi' }], {
      timeoutMs: 5000,
      cb: (reply) => expectTypeOf(reply).toEqualTypeOf<{ ok: boolean; id: number } | 'chsk/closed' | 'chsk/timeout' | 'chsk/error' | BadEventReply>(),
    });
    // @ts-expect-error a callback without a timeout
    client.send(['chat/send', { text: 'hi' }], { cb: () => {} });
    // @ts-expect-error the callback's reply is not a string
    client.send(['chat/send', { text: 'hi' }], 5000, (reply: string) => reply);
  });

  test('a router handler narrows data and reply by id', () => {
    client.startRouter((msg) => {
      if (msg.id === 'chat/message') {
        expectTypeOf(msg.data).toEqualTypeOf<{ from: string; text: string }>();
        expectTypeOf(msg.reply).toEqualTypeOf<undefined>();
      } else if (msg.id === 'app/confirm') {
        expectTypeOf(msg.data).toEqualTypeOf<{ question: string }>();
        msg.reply(true);
        // @ts-expect-error the answer is a boolean
        msg.reply('yes');
      } else if (msg.id === 'chsk/handshake') {
        expectTypeOf(msg.data[0]).toEqualTypeOf<string>();
      } else if (msg.id === 'chsk/state') {
        expectTypeOf(msg.data[1].open).toEqualTypeOf<boolean>();
      }
      // @ts-expect-error not an id this client can receive
      if (msg.id === 'chat/send') return;
    });
    client.on('event', (ev) => {
      expectTypeOf(ev).toEqualTypeOf<readonly [id: 'chat/message', data: { from: string; text: string }]>();
    });
  });
});

describe('a server typed by a plain-type contract', () => {
  test('a router handler narrows data and reply by id', () => {
    server.startRouter((msg) => {
      switch (msg.id) {
        case 'chat/send':
          expectTypeOf(msg.data).toEqualTypeOf<{ text: string }>();
          msg.reply?.({ ok: true, id: 1 });
          // @ts-expect-error the reply is { ok, id }
          msg.reply?.({ ok: 'yes' });
          break;
        case 'chat/typing':
          expectTypeOf(msg.data).toEqualTypeOf<{ room: string }>();
          expectTypeOf(msg.reply).toEqualTypeOf<undefined>();
          break;
        case 'chsk/uidport-open':
          expectTypeOf(msg.data).toEqualTypeOf<string>();
          break;
        case 'chsk/bad-event':
          expectTypeOf(msg.data).toEqualTypeOf<unknown>();
          break;
      }
      // @ts-expect-error a push is not something the server receives
      if (msg.id === 'chat/message') return;
      // The server in a message is typed too.
      msg.server.send(msg.uid, ['chat/message', { from: 'bot', text: 'hi' }]);
    });
  });

  test('pushes and server requests are checked', async () => {
    server.send('alice', ['chat/message', { from: 'bob', text: 'hi' }]);
    server.send('alice', ['chsk/close']);
    server.sendToClient({ uid: 'alice', clientId: 'c1' }, ['chat/message', { from: 'bob', text: 'hi' }], { flush: true });
    server.broadcast(['chat/message', { from: 'bob', text: 'hi' }]);
    // @ts-expect-error the push's data is { from, text }
    server.send('alice', ['chat/message', { from: 'bob' }]);
    // @ts-expect-error unknown push id
    server.broadcast(['chat/messages', { from: 'bob', text: 'hi' }]);
    // @ts-expect-error a request is not a push
    server.send('alice', ['chat/send', { text: 'hi' }]);
    expectTypeOf(server.request('c1', ['app/confirm', { question: 'Delete?' }], 10_000)).resolves.toEqualTypeOf<boolean>();
    expectTypeOf(server.request('c1', ['app/confirm', { question: 'Delete?' }])).resolves.toEqualTypeOf<boolean>();
    // @ts-expect-error the payload is { question: string }
    void server.request('c1', ['app/confirm', { text: 'Delete?' }], 10_000);
    // @ts-expect-error a push is not a request
    void server.request('c1', ['chat/message', { from: 'a', text: 'b' }]);
    // Everything else of the server is there, untouched.
    expectTypeOf(server.stats().wsClients).toEqualTypeOf<number>();
    await server.close();
  });
});

describe('without a contract everything types as before', () => {
  test('the client', () => {
    const plain = createSenteClient('/chsk', null, { autoConnect: false });
    expectTypeOf(plain).toEqualTypeOf<SenteClient>();
    expectTypeOf(plain.request(['any/thing', 1], 1000)).resolves.toEqualTypeOf<unknown>();
    plain.send(['any/thing']);
    plain.send(['any/thing', { x: 1 }], 1000, (reply) => expectTypeOf(reply).toEqualTypeOf<unknown>());
    plain.startRouter((msg) => expectTypeOf(msg.data).toEqualTypeOf<unknown>());
    plain.on('event', (ev) => expectTypeOf(ev).toEqualTypeOf<SenteEvent>());
  });

  test('the server', () => {
    const plain = createSenteServer({ packer: json });
    expectTypeOf(plain).toEqualTypeOf<SenteServer<unknown>>();
    plain.startRouter((msg) => {
      expectTypeOf(msg).toEqualTypeOf<ServerEventMsg<unknown>>();
      msg.reply?.('anything');
    });
    plain.send('u', ['any/thing', 1]);
    expectTypeOf(plain.request('c', ['any/thing'])).resolves.toEqualTypeOf<unknown>();
  });
});

describe('isCbSuccess and isBadEventReply narrow a typed reply', () => {
  test('to the declared reply', () => {
    client.send(['chat/send', { text: 'hi' }], 5000, (reply) => {
      if (isCbSuccess(reply) && !isBadEventReply(reply)) expectTypeOf(reply).toEqualTypeOf<{ ok: boolean; id: number }>();
      if (isCbError(reply)) expectTypeOf(reply).toEqualTypeOf<'chsk/closed' | 'chsk/timeout' | 'chsk/error'>();
    });
  });
});
