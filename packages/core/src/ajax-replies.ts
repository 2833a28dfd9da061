import { payloadResponse } from './responses.js';
import { envelopes, postBatchReplyEnvelope, replyEnvelope } from './envelope.js';
import { currentTrace } from './trace.js';
import type { HttpExchange } from './adapter.js';
import type { Hub } from './hub.js';

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
 * `chsk/timeout`).
 */
export class AjaxReplies {
  private readonly pending = new Set<() => void>();
  private drained: (() => void) | undefined;

  constructor(private readonly hub: Hub) {}

  get size(): number {
    return this.pending.size;
  }

  /**
   * Keeps `exchange` open for a reply; returns the reply function handlers
   * get. `traced`: the event came with a trace context, and the reply carries
   * the handler's back.
   */
  open(exchange: HttpExchange, traced = false): ReplyFn {
    let done = false;
    const at = this.hub.opts.clock.now();
    const finish = this.hold(exchange, () => {
      if (finish()) exchange.respond(payloadResponse(this.hub.packed.timeout));
    }, () => {
      if (done) return false;
      done = true;
      return true;
    });
    return (value) => {
      if (done) return false;
      // Packed first: a value the packer rejects throws to the handler and leaves the request pending.
      const payload = this.hub.packer.pack(replyEnvelope(value, null, traced ? currentTrace() : undefined));
      finish();
      this.hub.metrics.replied('ajax', this.hub.opts.clock.now() - at);
      return exchange.respond(payloadResponse(payload));
    };
  }

  /** Keeps `exchange` open for the `n` answers of a batch POST. */
  openBatch(exchange: HttpExchange, n: number): BatchSlots {
    const values = new Array<unknown>(n).fill(UNSET);
    const at = this.hub.opts.clock.now();
    let left = n;
    let done = false;
    const answer = (): void => {
      if (!finish()) return;
      let payload;
      try {
        payload = this.hub.packer.pack(postBatchReplyEnvelope(values));
      } catch {
        // Every value packed alone (checked as it came); only a packer's size limit gets here.
        payload = this.hub.packer.pack(postBatchReplyEnvelope(values.map(() => envelopes.timeout[0])));
      }
      exchange.respond(payloadResponse(payload));
    };
    const finish = this.hold(exchange, () => {
      for (let i = 0; i < n; i++) if (values[i] === UNSET) values[i] = envelopes.timeout[0];
      answer();
    }, () => {
      if (done) return false;
      done = true;
      return true;
    });
    const fill = (i: number, content: unknown): boolean => {
      if (done || values[i] !== UNSET) return false;
      values[i] = content;
      if (--left === 0) answer();
      return true;
    };
    return {
      reply: (i) => (value) => {
        if (done || values[i] !== UNSET) return false;
        const v = value === undefined ? null : value;
        // Packed first, as a one-event reply is: a value the packer rejects throws to the handler.
        this.hub.packer.pack(replyEnvelope(v, null));
        if (!fill(i, v)) return false;
        this.hub.metrics.replied('ajax', this.hub.opts.clock.now() - at);
        return true;
      },
      fill: (i, content) => void fill(i, content),
    };
  }

  /**
   * Tracks a waiting exchange: `timeout` runs after `lpTimeoutMs` (and on
   * close); the function returned ends the wait, true the first time
   * (`claim` says whether this call is the first).
   */
  private hold(exchange: HttpExchange, timeout: () => void, claim: () => boolean): () => boolean {
    const finish = (): boolean => {
      if (!claim()) return false;
      timer.cancel();
      this.pending.delete(timeout);
      if (this.pending.size === 0) this.drained?.();
      return true;
    };
    const timer = this.hub.timers.set(timeout, this.hub.opts.lpTimeoutMs);
    this.pending.add(timeout);
    // The client went away before the reply: nothing to answer.
    exchange.onAbort(finish);
    return finish;
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
