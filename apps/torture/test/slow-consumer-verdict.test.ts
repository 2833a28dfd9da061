import { describe, expect, it } from 'vitest';
import { slowConsumerProblem } from '../src/faults/slow-consumers.js';
import type { SlowConsumerResult } from '../src/faults/slow-consumers.js';

const MB = 1024 * 1024;
/** A reader that never read: 200 pushes (20 MB), 42 of them in the socket's buffers when it closed. */
const closed1013: SlowConsumerResult = {
  pushedBytes: 20 * MB,
  heldBytes: MB,
  answer: 'close 1013',
  delivered: 42,
  openUntracked: false,
  inOrder: true,
  errors: { ERR_SENTE_QUEUE_OVERFLOW: 150 },
};

describe("the slow consumer's judgement (the answers docs/reference/protocol.md promises)", () => {
  it('takes a 1013 after what the socket held, the overflow reported, for the right answer', () => {
    expect(slowConsumerProblem(closed1013, 200)).toBeUndefined();
  });

  it('takes a 4000 for a reader that answered no ping, the keep-alive timeout reported', () => {
    expect(slowConsumerProblem({ ...closed1013, answer: 'close 4000', errors: { ERR_SENTE_KEEPALIVE_TIMEOUT: 1 } }, 200)).toBeUndefined();
  });

  it('takes every push delivered, with no close, when the network buffers took them all', () => {
    expect(slowConsumerProblem({ ...closed1013, answer: 'never closed', delivered: 200, errors: {} }, 200)).toBeUndefined();
  });

  it('refuses a drop without a close frame: every adapter gives the reader 30 s to take it, and it reads within seconds', () => {
    expect(slowConsumerProblem({ ...closed1013, answer: 'dropped', delivered: 39 }, 200)).toMatch(/^dropped with 39\/200/);
  });

  it('refuses a close whose reason the server did not report, pushes out of order, and memory past half of what was pushed', () => {
    expect(slowConsumerProblem({ ...closed1013, errors: {} }, 200)).toMatch(/^close 1013/);
    expect(slowConsumerProblem({ ...closed1013, answer: 'close 4000' }, 200)).toMatch(/^close 4000/);
    expect(slowConsumerProblem({ ...closed1013, inOrder: false }, 200)).toMatch(/out of order/);
    expect(slowConsumerProblem({ ...closed1013, heldBytes: 11 * MB }, 200)).toMatch(/held/);
  });
});
