import { describe, expect, it } from 'vitest';
import {
  Keyword,
  asEvent,
  assertEvent,
  fromWireEvent,
  isEvent,
  isKeyword,
  isNamespacedId,
  keywordName,
  kw,
  toWireEvent,
  validateEvent,
} from '../src/index.js';

describe('Keyword', () => {
  it('interns keywords so equal names are the same object', () => {
    expect(Keyword.for('chsk/handshake')).toBe(Keyword.for('chsk/handshake'));
    expect(kw('a/b')).toBe(Keyword.for('a/b'));
    expect(kw('a/b')).not.toBe(kw('a/c'));
  });

  it('splits the namespace from the name', () => {
    expect(kw('chsk/ws-ping').namespace).toBe('chsk');
    expect(kw('ajax').namespace).toBeUndefined();
    expect(kw('/x').namespace).toBeUndefined();
  });

  it('prints as Clojure does and writes its bare name to JSON', () => {
    expect(String(kw('chsk/timeout'))).toBe(':chsk/timeout');
    expect(JSON.stringify([kw('chsk/timeout'), null])).toBe('["chsk/timeout",null]');
  });

  it('reads keyword names from keywords and strings only', () => {
    expect(isKeyword(kw('a/b'))).toBe(true);
    expect(isKeyword('a/b')).toBe(false);
    expect(keywordName(kw('a/b'))).toBe('a/b');
    expect(keywordName('a/b')).toBe('a/b');
    expect(keywordName(1)).toBeUndefined();
    expect(keywordName(null)).toBeUndefined();
  });
});

describe('events', () => {
  it('accepts only namespaced ids with both parts non-empty', () => {
    expect(isNamespacedId('my-app/ev')).toBe(true);
    expect(isNamespacedId('a/b/c')).toBe(true);
    expect(isNamespacedId('plain')).toBe(false);
    expect(isNamespacedId('/name')).toBe(false);
    expect(isNamespacedId('ns/')).toBe(false);
    expect(isNamespacedId(kw('a/b'))).toBe(false);
  });

  it('accepts 1- and 2-element events only', () => {
    expect(isEvent(['a/b'])).toBe(true);
    expect(isEvent(['a/b', { x: 1 }])).toBe(true);
    expect(isEvent([])).toBe(false);
    expect(isEvent(['a/b', 1, 2])).toBe(false);
    expect(isEvent('a/b')).toBe(false);
  });

  it('explains exactly why a value is not an event', () => {
    expect(validateEvent(['a/b', 1])).toBeUndefined();
    expect(validateEvent('a/b')).toBe('an event must be an array [id, data?]');
    expect(validateEvent(null)).toBe('an event must be an array [id, data?]');
    expect(validateEvent([])).toBe('an event must have 1 or 2 elements, not 0');
    expect(validateEvent(['a/b', 1, 2])).toBe('an event must have 1 or 2 elements, not 3');
    expect(validateEvent([42])).toBe('an event id must be a string');
    expect(validateEvent(['plain', 1])).toBe('an event id must be namespaced ("ns/name"), not "plain"');
  });

  it('wraps a non-event as chsk/bad-event with the original', () => {
    const bad = ['nope', 1];
    expect(asEvent(bad)).toEqual(['chsk/bad-event', bad]);
    const good = ['a/b', 1] as const;
    expect(asEvent(good)).toBe(good);
  });

  it('assertEvent throws ERR_SENTE_BAD_EVENT with the reason', () => {
    expect(() => assertEvent(['a/b'])).not.toThrow();
    expect(() => assertEvent(['plain'])).toThrowError(
      expect.objectContaining({ code: 'ERR_SENTE_BAD_EVENT', message: 'Bad event: an event id must be namespaced ("ns/name"), not "plain".' }),
    );
  });

  it('puts event ids on the wire as keywords and reads them back from keywords or strings', () => {
    expect(toWireEvent(['a/b', 1])).toEqual([kw('a/b'), 1]);
    expect(toWireEvent(['a/b'])).toEqual([kw('a/b')]);
    expect(toWireEvent(['a/b'])).toHaveLength(1);
    expect(fromWireEvent([kw('a/b'), 1])).toEqual(['a/b', 1]);
    expect(fromWireEvent(['a/b'])).toEqual(['a/b']);
    expect(fromWireEvent(['plain', 1])).toBeUndefined();
    expect(fromWireEvent([kw('plain')])).toBeUndefined();
    expect(fromWireEvent(['a/b', 1, 2])).toBeUndefined();
    expect(fromWireEvent('a/b')).toBeUndefined();
  });
});
