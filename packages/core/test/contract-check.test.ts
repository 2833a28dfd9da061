import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as v from 'valibot';
import { defineContract } from '../src/index.js';
import type { StandardSchemaV1 } from '../src/index.js';
import { checkInbound, contractChecks, hasSchemas, runSchema } from '../src/internal.js';
import type { CheckResult } from '../src/internal.js';

/** A hand-made Standard Schema: what any library's schema looks like to Sente. */
function schema(validate: (value: unknown) => StandardSchemaV1.Result<unknown> | Promise<StandardSchemaV1.Result<unknown>>): StandardSchemaV1 {
  return { '~standard': { version: 1, vendor: 'test', validate } };
}

const run = (s: StandardSchemaV1, value: unknown): Promise<CheckResult> => new Promise((resolve) => runSchema(s, value, resolve));

describe('runSchema', () => {
  it('answers a synchronous schema at once, before returning', () => {
    let result: CheckResult | undefined;
    runSchema(z.number(), 1, (r) => (result = r));
    expect(result).toEqual({ ok: true, value: 1 });
  });

  it('waits for an asynchronous schema', async () => {
    const slow = schema(async (x) => (x === 1 ? { value: 'one' } : { issues: [{ message: 'not one' }] }));
    await expect(run(slow, 1)).resolves.toEqual({ ok: true, value: 'one' });
    await expect(run(slow, 2)).resolves.toEqual({ ok: false, issues: [{ message: 'not one' }] });
  });

  it('turns a schema that throws or rejects into a failure, never an exception', async () => {
    const throws = schema(() => {
      throw new Error('boom');
    });
    const rejects = schema(() => Promise.reject(new Error('late boom')));
    await expect(run(throws, 1)).resolves.toEqual({ ok: false, issues: [{ message: 'The schema threw: Error: boom' }] });
    await expect(run(rejects, 1)).resolves.toEqual({ ok: false, issues: [{ message: 'The schema threw: Error: late boom' }] });
  });

  it('gives issue paths as plain keys, from zod and valibot alike', async () => {
    const zodResult = await run(z.object({ a: z.array(z.string()) }), { a: ['x', 1] });
    const valibotResult = await run(v.object({ a: v.array(v.string()) }), { a: ['x', 1] });
    expect(zodResult.ok || zodResult.issues[0]?.path).toEqual(['a', 1]);
    expect(valibotResult.ok || valibotResult.issues[0]?.path).toEqual(['a', 1]);
  });
});

describe('contractChecks', () => {
  it('is undefined for no contract, or one without a schema: nothing runs per event', () => {
    expect(contractChecks(undefined, 'server')).toBeUndefined();
    expect(contractChecks({ requests: { 'a/b': { payload: 'a type', reply: 'a type' } } }, 'server')).toBeUndefined();
    expect(hasSchemas({ events: {} })).toBe(false);
    expect(hasSchemas({ pushes: { 'a/b': z.string() } })).toBe(true);
  });

  it('checks what each side receives: the server events and requests, the client pushes and server requests', () => {
    const c = defineContract({
      events: { 'e/v': z.string() },
      requests: { 'r/q': { payload: z.number(), reply: z.boolean() } },
      pushes: { 'p/u': z.string() },
      serverRequests: { 's/r': { payload: z.number(), reply: z.string() } },
    });
    const server = contractChecks(c, 'server')!;
    const client = contractChecks(c, 'client')!;
    expect([server.knows('e/v'), server.knows('r/q'), server.knows('p/u'), server.knows('s/r')]).toEqual([true, true, false, false]);
    expect([client.knows('e/v'), client.knows('r/q'), client.knows('p/u'), client.knows('s/r')]).toEqual([false, false, true, true]);
    expect(server.reply('s/r')).toBe(c.serverRequests['s/r'].reply);
    expect(client.reply('r/q')).toBe(c.requests['r/q'].reply);
  });

  it('leaves a side alone when the contract declares nothing it receives', () => {
    const checks = contractChecks(defineContract({ pushes: { 'p/u': z.string() } }), 'server')!;
    const seen: unknown[] = [];
    checkInbound(checks, 'any/thing', 1, (d) => seen.push(d), () => seen.push('refused'));
    expect(seen).toEqual([1]);
  });

  it('refuses an id the contract does not declare, and passes the schema output on', () => {
    const checks = contractChecks(defineContract({ events: { 'e/v': z.string().transform((s) => s.length) } }), 'server')!;
    const seen: unknown[] = [];
    checkInbound(checks, 'e/v', 'four', (d) => seen.push(d), (i) => seen.push(i));
    checkInbound(checks, 'o/ther', 'x', (d) => seen.push(d), (i) => seen.push(i));
    // An id inherited from Object.prototype is not declared either.
    checkInbound(checks, 'toString', 'x', (d) => seen.push(d), (i) => seen.push(i));
    expect(seen).toEqual([4, [{ message: '"o/ther" is not in the contract' }], [{ message: '"toString" is not in the contract' }]]);
  });
});

describe('defineContract', () => {
  it('returns a copy that carries the client validation, not enumerable: the contract reads as written', () => {
    const written = { pushes: { 'p/u': z.string() } };
    const c = defineContract(written);
    expect(c).not.toBe(written);
    expect(Object.keys(c)).toEqual(['pushes']);
    expect(typeof (c as unknown as Record<symbol, unknown>)[Symbol.for('sente.validate-client')]).toBe('function');
  });
});
