/**
 * One chat contract, three times: with zod, valibot and arktype schemas. The
 * type tests check that each yields the same types; the run-time tests that
 * each validates with no adapter code.
 */
import { z } from 'zod';
import * as v from 'valibot';
import { type } from 'arktype';
import { defineContract } from '@sente/core';

export const zodChat = defineContract({
  events: { 'chat/typing': z.object({ room: z.string() }) },
  requests: {
    'chat/send': { payload: z.object({ text: z.string().min(1) }), reply: z.object({ ok: z.boolean(), id: z.number() }) },
    // A schema that transforms: the handler gets its output, the sender gives its input.
    'chat/since': { payload: z.object({ at: z.string().transform((s) => new Date(s)) }), reply: z.array(z.string()) },
  },
  pushes: { 'chat/message': z.object({ from: z.string(), text: z.string() }) },
  serverRequests: { 'app/confirm': { payload: z.object({ question: z.string() }), reply: z.boolean() } },
});

export const valibotChat = defineContract({
  events: { 'chat/typing': v.object({ room: v.string() }) },
  requests: {
    'chat/send': { payload: v.object({ text: v.pipe(v.string(), v.minLength(1)) }), reply: v.object({ ok: v.boolean(), id: v.number() }) },
    'chat/since': { payload: v.object({ at: v.pipe(v.string(), v.transform((s) => new Date(s))) }), reply: v.array(v.string()) },
  },
  pushes: { 'chat/message': v.object({ from: v.string(), text: v.string() }) },
  serverRequests: { 'app/confirm': { payload: v.object({ question: v.string() }), reply: v.boolean() } },
});

export const arkChat = defineContract({
  events: { 'chat/typing': type({ room: 'string' }) },
  requests: {
    'chat/send': { payload: type({ text: 'string > 0' }), reply: type({ ok: 'boolean', id: 'number' }) },
    'chat/since': { payload: type({ at: type('string').pipe((s) => new Date(s)) }), reply: type('string[]') },
  },
  pushes: { 'chat/message': type({ from: 'string', text: 'string' }) },
  serverRequests: { 'app/confirm': { payload: type({ question: 'string' }), reply: type('boolean') } },
});

export const contracts = { zod: zodChat, valibot: valibotChat, arktype: arkChat } as const;
