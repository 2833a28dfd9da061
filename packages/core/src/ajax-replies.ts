import { payloadResponse } from './responses.js';
import { envelopes, postBatchReplyEnvelope, replyEnvelope } from './envelope.js';
import { currentTrace } from './trace.js';
import type { HttpExchange } from './adapter.js';
import type { Hub } from './hub.js';
import type { Timer } from './timers.js';

/** A handler's reply function: false when the request was answered already or its client left. */
export type ReplyFn = (value: unknown) => boolean;

/** The slots of a batch POST's answer, one per event in it. */
export interface BatchSlots {
  /** The reply function of the event at `i`. */
  reply(i: number): ReplyFn;
  /** Fills slot `i` with `content` (what a one-event POST's answer would carry). */
  fill(i: number, content: unknown): void;
}

const UNSET: unique symbol = Symbol('unset');

/**
 * The Ajax POSTs waiting for a handler's reply. Each is answered once: by the
 * reply, by `chsk/timeout` after `lpTimeoutMs` (Sente answers within it
 * whatever the client's own timeout), or not at all when the client left. A
 * batch POST is answered once every one of its events has its reply (or its
 * `chsk/timeout`). A POST whose handlers answered before they returned (the
 * usual echo) never waits: no timer, no abort listener, nothing to undo.
 */
export class AjaxReplies {
  private readonly pending = new Set<() => void>();
  private drained: (() => void) | undefined;

  constructor(private readonly hub: Hub) {}

  get size(): number {
    return this.pending.size;
  }

  /**
   * Keeps `exchange` open for a reply: `use` gets the reply function handlers
   * get, and the wait starts when it returns, unless the reply came already.
   * `traced`: the event came with a trace context, and the reply carries the
   * handler's back.
   */
  open(exchange: HttpExchange, traced: boolean, use: (reply: ReplyFn) => void): void {
    const answer = new Answer(this, exchange, () => {
      if (answer.claim()) exchange.respond(payloadResponse(this.hub.packed.timeout));
    });
    const at = this.hub.metrics.timesReplies ? this.hub.timers.elapsed() : 0;
    try {
      use((value) => {
        if (answer.done) return false;
        // Packed first: a value the packer rejects throws to the handler and leaves the request pending.
        const payload = this.hub.packer.pack(replyEnvelope(value, null, traced ? currentTrace() : undefined));
        answer.claim();
        if (this.hub.metrics.timesReplies) this.hub.metrics.replied('ajax', this.hub.timers.elapsed() - at);
        return exchange.respond(payloadResponse(payload));
      });
    } finally {
      answer.wait();
    }
  }

  /** Keeps `exchange` open for the `n` answers of a batch POST: `use` gets its slots; the wait starts when it returns. */
  openBatch(exchange: HttpExchange, n: number, use: (slots: BatchSlots) => void): void {
    const values = new Array<unknown>(n).fill(UNSET);
    const at = this.hub.metrics.timesReplies ? this.hub.timers.elapsed() : 0;
    let left = n;
    const respond = (): void => {
      if (!answer.claim()) return;
      let payload;
      try {
        payload = this.hub.packer.pack(postBatchReplyEnvelope(values));
      } catch {
        // Every value packed alone (checked as it came); only a packer's size limit gets here.
        payload = this.hub.packer.pack(postBatchReplyEnvelope(values.map(() => envelopes.timeout[0])));
      }
      exchange.respond(payloadResponse(payload));
    };
    const answer = new Answer(this, exchange, () => {
      for (let i = 0; i < n; i++) if (values[i] === UNSET) values[i] = envelopes.timeout[0];
      respond();
    });
    const fill = (i: number, content: unknown): boolean => {
      if (answer.done || values[i] !== UNSET) return false;
      values[i] = content;
      if (--left === 0) respond();
      return true;
    };
    try {
      use({
        reply: (i) => (value) => {
          if (answer.done || values[i] !== UNSET) return false;
          const v = value === undefined ? null : value;
          // Packed first, as a one-event reply is: a value the packer rejects throws to the handler.
          this.hub.packer.pack(replyEnvelope(v, null));
          if (!fill(i, v)) return false;
          if (this.hub.metrics.timesReplies) this.hub.metrics.replied('ajax', this.hub.timers.elapsed() - at);
          return true;
        },
        fill: (i, content) => void fill(i, content),
      });
    } finally {
      answer.wait();
    }
  }

  /** Starts waiting: `timeout` runs after `lpTimeoutMs` (and on close). */
  track(timeout: () => void): Timer {
    this.pending.add(timeout);
    return this.hub.timers.set(timeout, this.hub.opts.lpTimeoutMs);
  }

  /** Stops waiting for `timeout`'s answer. */
  untrack(timeout: () => void): void {
    this.pending.delete(timeout);
    if (this.pending.size === 0) this.drained?.();
  }

  /** Waits up to `ms` for the pending replies, then answers the rest with `chsk/timeout`. */
  async settle(ms: number): Promise<void> {
    if (this.pending.size > 0) {
      await new Promise<void>((resolve) => {
        const deadline = this.hub.timers.set(() => this.drained?.(), ms);
        this.drained = () => {
          this.drained = undefined;
          deadline.cancel();
          resolve();
        };
      });
    }
    for (const timeout of [...this.pending]) timeout();
  }
}

/**
 * One POST's answer, given once: `claim()` is true the first time. It waits
 * (a timer, the client's abort) only from `wait()` on, and only if not given yet.
 */
class Answer {
  done = false;
  private timer: Timer | undefined;

  constructor(
    private readonly replies: AjaxReplies,
    private readonly exchange: HttpExchange,
    private readonly timeout: () => void,
  ) {}

  /** True the first time: the answer is this caller's to give; the wait (if any) ends. */
  claim(): boolean {
    if (this.done) return false;
    this.done = true;
    if (this.timer !== undefined) {
      this.timer.cancel();
      this.replies.untrack(this.timeout);
    }
    return true;
  }

  /** Waits for the answer, unless it was given already. */
  wait(): void {
    if (this.done) return;
    this.timer = this.replies.track(this.timeout);
    // The client went away before the reply: nothing to answer.
    this.exchange.onAbort(() => void this.claim());
  }
}
