import { describe, expect, it } from 'vitest';
import { RepeatedText } from '../src/internal.js';

describe('RepeatedText (a broadcast encoded once for all its sockets)', () => {
  const counting = () => {
    const encoded: string[] = [];
    const r = new RepeatedText((text) => {
      encoded.push(text);
      return new TextEncoder().encode(text);
    });
    return { r, encoded };
  };

  it('sends a text as it is the first time, then the same bytes, encoded once, to every further socket', () => {
    const { r, encoded } = counting();
    expect(r.bytesOf('[["news/flash",1]]')).toBeUndefined();
    const a = r.bytesOf('[["news/flash",1]]');
    const b = r.bytesOf('[["news/flash",1]]');
    expect(new TextDecoder().decode(a)).toBe('[["news/flash",1]]');
    expect(b).toBe(a);
    expect(encoded).toEqual(['[["news/flash",1]]']);
    // Another text starts over.
    expect(r.bytesOf('["ok","cb1"]')).toBeUndefined();
  });

  it('encodes the head of a text in two parts on its first send (bytesFor), and gives the same bytes while it comes again', () => {
    const { r, encoded } = counting();
    const a = r.bytesFor('[[["news/flash",1]]');
    expect(new TextDecoder().decode(a)).toBe('[[["news/flash",1]]');
    expect(r.bytesFor('[[["news/flash",1]]')).toBe(a);
    expect(encoded).toEqual(['[[["news/flash",1]]']);
    // The next broadcast's head is encoded anew; a big one is not kept.
    r.bytesFor('[[["news/flash",2]]');
    const big = 'x'.repeat(64 * 1024 + 1);
    r.bytesFor(big);
    r.bytesFor(big);
    expect(encoded).toEqual(['[[["news/flash",1]]', '[[["news/flash",2]]', big, big]);
  });

  it('keeps no large text: a big push goes out as text to every socket and stays nowhere', () => {
    const { r, encoded } = counting();
    const big = 'x'.repeat(64 * 1024 + 1);
    expect(r.bytesOf(big)).toBeUndefined();
    expect(r.bytesOf(big)).toBeUndefined();
    expect(encoded).toEqual([]);
  });
});
