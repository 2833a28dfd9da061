import { describe, expectTypeOf, test } from 'vitest';
import { createSenteClient } from '@sente/client';
import { createSenteServer } from '@sente/core';
import { json } from '@sente/packer-json';
import { arkChat, valibotChat, zodChat } from '../src/contracts.js';

type Message = { from: string; text: string };

describe('a contract built from schemas yields the types, with no duplicate declaration', () => {
  test('zod: the client', () => {
    const client = createSenteClient('/chsk', null, { autoConnect: false, contract: zodChat });
    expectTypeOf(client.request(['chat/send', { text: 'hi' }], 5000)).resolves.toEqualTypeOf<{ ok: boolean; id: number }>();
    // The sender gives the schema's input, the reply is its output.
    expectTypeOf(client.request(['chat/since', { at: '2026-01-01' }], 5000)).resolves.toEqualTypeOf<string[]>();
    // @ts-expect-error the input of chat/since is a string
    void client.request(['chat/since', { at: new Date() }], 5000);
    // @ts-expect-error text is a string
    void client.request(['chat/send', { text: 1 }], 5000);
    client.send(['chat/typing', { room: 'lobby' }]);
    // @ts-expect-error unknown id
    client.send(['chat/typo', { room: 'lobby' }]);
    client.startRouter((msg) => {
      if (msg.id === 'chat/message') expectTypeOf(msg.data).toEqualTypeOf<Message>();
      if (msg.id === 'app/confirm') msg.reply(true);
    });
  });

  test('zod: the server', async () => {
    const server = createSenteServer({ packer: json, contract: zodChat });
    server.startRouter((msg) => {
      if (msg.id === 'chat/since') {
        // The handler gets the schema's output.
        expectTypeOf(msg.data.at).toEqualTypeOf<Date>();
        msg.reply?.(['a', 'b']);
        // @ts-expect-error the reply is a string[]
        msg.reply?.('a');
      }
      if (msg.id === 'chat/typing') expectTypeOf(msg.data).toEqualTypeOf<{ room: string }>();
    });
    server.broadcast(['chat/message', { from: 'a', text: 'b' }]);
    // @ts-expect-error text is missing
    server.broadcast(['chat/message', { from: 'a' }]);
    expectTypeOf(server.request('c1', ['app/confirm', { question: '?' }])).resolves.toEqualTypeOf<boolean>();
    await server.close();
  });

  test('valibot: the client', () => {
    const client = createSenteClient('/chsk', null, { autoConnect: false, contract: valibotChat });
    expectTypeOf(client.request(['chat/send', { text: 'hi' }], 5000)).resolves.toEqualTypeOf<{ ok: boolean; id: number }>();
    // The sender gives the schema's input, the reply is its output.
    expectTypeOf(client.request(['chat/since', { at: '2026-01-01' }], 5000)).resolves.toEqualTypeOf<string[]>();
    // @ts-expect-error the input of chat/since is a string
    void client.request(['chat/since', { at: new Date() }], 5000);
    // @ts-expect-error text is a string
    void client.request(['chat/send', { text: 1 }], 5000);
    client.send(['chat/typing', { room: 'lobby' }]);
    // @ts-expect-error unknown id
    client.send(['chat/typo', { room: 'lobby' }]);
    client.startRouter((msg) => {
      if (msg.id === 'chat/message') expectTypeOf(msg.data).toEqualTypeOf<Message>();
      if (msg.id === 'app/confirm') msg.reply(true);
    });
  });

  test('valibot: the server', async () => {
    const server = createSenteServer({ packer: json, contract: valibotChat });
    server.startRouter((msg) => {
      if (msg.id === 'chat/since') {
        // The handler gets the schema's output.
        expectTypeOf(msg.data.at).toEqualTypeOf<Date>();
        msg.reply?.(['a', 'b']);
        // @ts-expect-error the reply is a string[]
        msg.reply?.('a');
      }
      if (msg.id === 'chat/typing') expectTypeOf(msg.data).toEqualTypeOf<{ room: string }>();
    });
    server.broadcast(['chat/message', { from: 'a', text: 'b' }]);
    // @ts-expect-error text is missing
    server.broadcast(['chat/message', { from: 'a' }]);
    expectTypeOf(server.request('c1', ['app/confirm', { question: '?' }])).resolves.toEqualTypeOf<boolean>();
    await server.close();
  });

  test('arktype: the client', () => {
    const client = createSenteClient('/chsk', null, { autoConnect: false, contract: arkChat });
    expectTypeOf(client.request(['chat/send', { text: 'hi' }], 5000)).resolves.toEqualTypeOf<{ ok: boolean; id: number }>();
    // The sender gives the schema's input, the reply is its output.
    expectTypeOf(client.request(['chat/since', { at: '2026-01-01' }], 5000)).resolves.toEqualTypeOf<string[]>();
    // @ts-expect-error the input of chat/since is a string
    void client.request(['chat/since', { at: new Date() }], 5000);
    // @ts-expect-error text is a string
    void client.request(['chat/send', { text: 1 }], 5000);
    client.send(['chat/typing', { room: 'lobby' }]);
    // @ts-expect-error unknown id
    client.send(['chat/typo', { room: 'lobby' }]);
    client.startRouter((msg) => {
      if (msg.id === 'chat/message') expectTypeOf(msg.data).toEqualTypeOf<Message>();
      if (msg.id === 'app/confirm') msg.reply(true);
    });
  });

  test('arktype: the server', async () => {
    const server = createSenteServer({ packer: json, contract: arkChat });
    server.startRouter((msg) => {
      if (msg.id === 'chat/since') {
        // The handler gets the schema's output.
        expectTypeOf(msg.data.at).toEqualTypeOf<Date>();
        msg.reply?.(['a', 'b']);
        // @ts-expect-error the reply is a string[]
        msg.reply?.('a');
      }
      if (msg.id === 'chat/typing') expectTypeOf(msg.data).toEqualTypeOf<{ room: string }>();
    });
    server.broadcast(['chat/message', { from: 'a', text: 'b' }]);
    // @ts-expect-error text is missing
    server.broadcast(['chat/message', { from: 'a' }]);
    expectTypeOf(server.request('c1', ['app/confirm', { question: '?' }])).resolves.toEqualTypeOf<boolean>();
    await server.close();
  });
});
