import { payloadResponse } from './responses.js';
import { replyEnvelope } from './envelope.js';
import { currentTrace } from './trace.js';
import type { HttpExchange } from './adapter.js';
import type { Hub } from './hub.js';

/**
 * The Ajax POSTs waiting for a handler's reply. Each is answered once: by the
 * reply, by `chsk/timeout` after `lpTimeoutMs` (Sente answers within it
 * whatever the client's own timeout), or not at all when the client left.
 */
export class AjaxReplies {
  private readonly pending = new Set<() => void>();
  private drained: (() => void) | undefined;

  constructor(private readonly hub: Hub) {}

  get size(): number {
    return this.pending.size;
  }

  /** Keeps `exchange` open for a reply; returns the reply function handlers get. */
  open(exchange: HttpExchange, traced = false): (value: unknown) => boolean {
    let done = false;
    const at = this.hub.opts.clock.now();
    const finish = (): boolean => {
      if (done) return false;
      done = true;
      timer.cancel();
      this.pending.delete(timeout);
      if (this.pending.size === 0) this.drained?.();
      return true;
    };
    const timeout = (): void => {
      if (finish()) exchange.respond(payloadResponse(this.hub.packed.timeout));
    };
    const timer = this.hub.timers.set(timeout, this.hub.opts.lpTimeoutMs);
    this.pending.add(timeout);
    // The client went away before the reply: nothing to answer.
    exchange.onAbort(finish);
    return (value) => {
      if (done) return false;
      // Packed first: a value the packer rejects throws to the handler and leaves the request pending.
      const payload = this.hub.packer.pack(replyEnvelope(value, null, traced ? currentTrace() : undefined));
      finish();
      this.hub.metrics.replied('ajax', this.hub.opts.clock.now() - at);
      return exchange.respond(payloadResponse(payload));
    };
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
