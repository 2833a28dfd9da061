import { describe, expect, it } from 'vitest';
import { collectBody, headerValue, parseQuery, payloadHeaders, payloadTooLarge, textResponse } from '../src/index.js';

describe('requests and bodies', () => {
  it('parseQuery reads every query and form as URLSearchParams does (first value of each key)', () => {
    const cases = [
      '',
      '?',
      'a',
      'a=',
      '=x',
      '&&a=1&&',
      'a=1&b=2&a=3',
      'ppstr=%5B%5B%22chat%2Fhi%22%2C%7B%22t%22%3A%22a%20b%26c%22%7D%5D%2C%22ajax%22%5D&client-id=c1',
      'q=a+b%2Bc',
      'k%3F=v%3D1=2',
      'bad=%E0%A4%A&ok=%F0%9F%98%80',
      'x=%zz&y=100%',
      'caf%C3%A9=cr%C3%A8me',
      '__proto__=1&constructor=2&toString=3',
      'hasOwnProperty=x&__proto__=y&a=1',
    ];
    for (const c of cases) {
      const firsts = new Map<string, string>();
      for (const [k, v] of new URLSearchParams(c)) if (!firsts.has(k)) firsts.set(k, v);
      const got = parseQuery(c);
      expect(got).toEqual(Object.fromEntries(firsts));
      expect(Object.keys(got)).toEqual([...firsts.keys()]);
      for (const [k, v] of firsts) expect(Object.getOwnPropertyDescriptor(got, k)?.value).toBe(v);
    }
  });

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
