import { describe, expect, it } from 'vitest';
import {
  AJAX_CB_MARKER,
  batchEnvelope,
  decodeEnvelope,
  envelopes,
  eventEnvelope,
  handshakeEnvelope,
  isKeywordContent,
  kw,
  pongEnvelope,
  replyEnvelope,
} from '../src/index.js';

describe('envelopes the server writes', () => {
  it('handshake is [[chsk/handshake [uid nil data]] nil] with the CSRF slot always nil', () => {
    expect(handshakeEnvelope('u1', { hello: 1 })).toEqual([[kw('chsk/handshake'), ['u1', null, { hello: 1 }]], null]);
    expect(handshakeEnvelope('u1', undefined)).toEqual([[kw('chsk/handshake'), ['u1', null, null]], null]);
  });

  it('handshake writes the nil uid as the keyword sente/nil-uid', () => {
    expect(handshakeEnvelope('sente/nil-uid', null)).toEqual([[kw('chsk/handshake'), [kw('sente/nil-uid'), null, null]], null]);
  });

  it('a batch is always a vector of events', () => {
    expect(batchEnvelope([[kw('a/b'), 1]])).toEqual([[[kw('a/b'), 1]], null]);
  });

  it('replies carry the cb id, undefined becomes nil', () => {
    expect(replyEnvelope({ ok: 1 }, 'k3f9a1')).toEqual([{ ok: 1 }, 'k3f9a1']);
    expect(replyEnvelope(undefined, null)).toEqual([null, null]);
  });

  it('pong is ["pong" cbId]', () => {
    expect(pongEnvelope('abc')).toEqual(['pong', 'abc']);
  });

  it('constant envelopes are keywords with a nil cb slot', () => {
    expect(envelopes.wsPing).toEqual([kw('chsk/ws-ping'), null]);
    expect(envelopes.wsPong).toEqual([[kw('chsk/ws-pong')], null]);
    expect(envelopes.timeout).toEqual([kw('chsk/timeout'), null]);
    expect(envelopes.dummyCb200).toEqual([kw('chsk/dummy-cb-200'), null]);
  });

  it('a client event asking for an Ajax reply carries the :ajax keyword', () => {
    expect(eventEnvelope([kw('a/b'), 1], AJAX_CB_MARKER)).toEqual([[kw('a/b'), 1], kw('ajax')]);
    expect(eventEnvelope([kw('a/b')], 'cb1')).toEqual([[kw('a/b')], 'cb1']);
    expect(eventEnvelope([kw('a/b')], null)).toEqual([[kw('a/b')], null]);
  });
});

describe('decodeEnvelope', () => {
  it('reads [content nil] and [content cbId]', () => {
    expect(decodeEnvelope([['a/b', 1], null])).toEqual({ content: ['a/b', 1], cbId: null });
    expect(decodeEnvelope([['a/b', 1], 'k3f9a1'])).toEqual({ content: ['a/b', 1], cbId: 'k3f9a1' });
  });

  it('reads the 1-element form of Sente 1.18 as no cb id', () => {
    expect(decodeEnvelope([['a/b']])).toEqual({ content: ['a/b'], cbId: null });
  });

  it('reads a false cb slot as no cb id', () => {
    expect(decodeEnvelope([['a/b'], false])).toEqual({ content: ['a/b'], cbId: null });
  });

  it('reads the :ajax keyword, the "ajax" string and the 0 of Sente 1.18 as the Ajax marker', () => {
    for (const slot of [kw('ajax'), 'ajax', 0]) {
      expect(decodeEnvelope([['a/b'], slot])).toEqual({ content: ['a/b'], cbId: AJAX_CB_MARKER });
    }
  });

  it('rejects what is not an envelope', () => {
    expect(decodeEnvelope(null)).toBeUndefined();
    expect(decodeEnvelope('x')).toBeUndefined();
    expect(decodeEnvelope([])).toBeUndefined();
    expect(decodeEnvelope([1, null, 3])).toBeUndefined();
    expect(decodeEnvelope([['a/b'], ''])).toBeUndefined();
    expect(decodeEnvelope([['a/b'], 'x'.repeat(65)])).toBeUndefined();
    expect(decodeEnvelope([['a/b'], { id: 1 }])).toBeUndefined();
    expect(decodeEnvelope([['a/b'], 7])).toBeUndefined();
  });

  it('accepts cb ids up to 64 characters', () => {
    expect(decodeEnvelope([['a/b'], 'x'.repeat(64)])?.cbId).toBe('x'.repeat(64));
  });

  it('matches keyword content as a keyword or its name', () => {
    expect(isKeywordContent(kw('chsk/timeout'), 'chsk/timeout')).toBe(true);
    expect(isKeywordContent('chsk/timeout', 'chsk/timeout')).toBe(true);
    expect(isKeywordContent(['chsk/timeout'], 'chsk/timeout')).toBe(false);
  });
});
