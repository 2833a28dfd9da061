import { describe, expect, it } from 'vitest';
import { collectBody, headerValue, parseQuery, payloadHeaders, payloadTooLarge, textResponse } from '../src/index.js';

describe('requests and bodies', () => {
  it('parseQuery keeps the first value and decodes names', () => {
    expect(parseQuery('')).toEqual({});
    expect(parseQuery('?a=1&a=2&handshake%3F=1&client-id=x%20y')).toEqual({ a: '1', 'handshake?': '1', 'client-id': 'x y' });
  });

  it('headerValue reads the first value of a header', () => {
    expect(headerValue({ a: 'x' }, 'a')).toBe('x');
    expect(headerValue({ a: ['x', 'y'] }, 'a')).toBe('x');
    expect(headerValue({}, 'a')).toBeUndefined();
  });

  it('textResponse and payloadHeaders set the content type and no caching', () => {
    expect(textResponse(403, 'no')).toEqual({
      status: 403,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
      body: 'no',
    });
    expect(payloadHeaders('x')['content-type']).toBe('text/plain; charset=utf-8');
    expect(payloadHeaders(new Uint8Array(1))['content-type']).toBe('application/octet-stream');
    expect(payloadHeaders(new Uint8Array(1))['cache-control']).toBe('no-store');
  });

  it('collectBody joins chunks of bytes and text', async () => {
    async function* chunks() {
      yield new Uint8Array([104, 105]);
      yield ' there';
    }
    expect(new TextDecoder().decode(await collectBody(chunks(), 100))).toBe('hi there');
  });

  it('collectBody stops past the limit with a 413 ERR_SENTE_PAYLOAD_TOO_LARGE', async () => {
    let read = 0;
    async function* chunks() {
      for (;;) {
        read++;
        yield new Uint8Array(4);
      }
    }
    await expect(collectBody(chunks(), 10)).rejects.toMatchObject({
      code: 'ERR_SENTE_PAYLOAD_TOO_LARGE',
      status: 413,
      closeCode: 1009,
      message: 'Payload too large: the limit is 10 bytes.',
    });
    expect(read).toBe(3);
    expect(payloadTooLarge(5).message).toBe('Payload too large: the limit is 5 bytes.');
  });

  it('collectBody accepts a body of exactly the limit', async () => {
    async function* chunks() {
      yield new Uint8Array(10);
    }
    expect((await collectBody(chunks(), 10)).byteLength).toBe(10);
  });
});
