/**
 * The registry of waiting reply callbacks: each gets one outcome, its reply,
 * its timeout or the transport's failure, and every outcome that ends
 * several at once reaches them in the order of their sends, whether a
 * callback waited alone (in the registry's slot) or beside others.
 */
import { FakeClock } from '@sente/core/internal';
import { describe, expect, it } from 'vitest';
import { createReplyCallbacks } from '../src/reply-callbacks.js';

function registry() {
  const clock = new FakeClock();
  const errors: unknown[] = [];
  const callbacks = createReplyCallbacks(clock, (e) => errors.push(e));
  const outcomes: [string, unknown][] = [];
  /** Registers a callback named `name` that records its outcome; its cb-id. */
  const add = (name: string, timeoutMs: number): string => {
    const cbId = callbacks.newId();
    callbacks.add(cbId, (reply) => outcomes.push([name, reply]), timeoutMs);
    return cbId;
  };
  return { clock, callbacks, outcomes, add, errors };
}

describe('reply callbacks', () => {
  it('hands each reply to its callback once; a late or unknown reply finds none', () => {
    const { callbacks, outcomes, add } = registry();
    const a = add('a', 1000);
    expect(callbacks.size()).toBe(1);
    expect(callbacks.settle(a, 'A')).toBe(true);
    expect(callbacks.settle(a, 'again')).toBe(false);
    expect(callbacks.settle('999', 'unknown')).toBe(false);
    const b = add('b', 1000);
    const c = add('c', 1000);
    expect(callbacks.size()).toBe(2);
    expect(callbacks.settle(c, 'C')).toBe(true);
    expect(callbacks.settle(b, 'B')).toBe(true);
    expect(callbacks.size()).toBe(0);
    expect(outcomes).toEqual([
      ['a', 'A'],
      ['c', 'C'],
      ['b', 'B'],
    ]);
  });

  it('fails every waiting callback in the order of the sends, also after the first waiting one was answered', () => {
    const { callbacks, outcomes, add } = registry();
    const a = add('a', 1000);
    add('b', 1000);
    add('c', 1000);
    // a is answered while b and c wait: d, sent after them, must still come after them.
    callbacks.settle(a, 'A');
    add('d', 1000);
    callbacks.failAll('chsk/error');
    expect(outcomes).toEqual([
      ['a', 'A'],
      ['b', 'chsk/error'],
      ['c', 'chsk/error'],
      ['d', 'chsk/error'],
    ]);
    expect(callbacks.size()).toBe(0);
    // Empty again: the next callback waits alone, and is failed too.
    add('e', 1000);
    callbacks.failAll('chsk/error');
    expect(outcomes.at(-1)).toEqual(['e', 'chsk/error']);
  });

  it('times each callback out at its own deadline, with one timer, whichever waited alone', () => {
    const { clock, callbacks, outcomes, add } = registry();
    add('long', 5000);
    const short = add('short', 1000);
    add('mid', 3000);
    expect(clock.pending).toBe(1);
    clock.advance(1000);
    expect(outcomes).toEqual([['short', 'chsk/timeout']]);
    expect(callbacks.settle(short, 'late')).toBe(false);
    clock.advance(2000);
    expect(outcomes.at(-1)).toEqual(['mid', 'chsk/timeout']);
    clock.advance(2000);
    expect(outcomes.at(-1)).toEqual(['long', 'chsk/timeout']);
    expect(callbacks.size()).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('a callback that throws does not keep the others from their outcome', () => {
    const { callbacks, outcomes, add, errors } = registry();
    callbacks.add(callbacks.newId(), () => {
      throw new Error('app bug');
    }, 1000);
    add('b', 1000);
    callbacks.failAll('chsk/error');
    expect(outcomes).toEqual([['b', 'chsk/error']]);
    expect(errors).toHaveLength(1);
  });
});
