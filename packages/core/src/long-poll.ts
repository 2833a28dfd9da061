import { CLOSE_CODES } from './ids.js';
import { NO_CONTENT, payloadResponse, textResponse } from './responses.js';
import { formatRetryAfter, parseRetryHint } from './retry-hint.js';
import type { HttpExchange } from './adapter.js';
import type { Packed } from './packer.js';
import type { Timer } from './timers.js';
import type { Hub } from './hub.js';
import type { ClientConn } from './client-conn.js';
import type { Session } from './session.js';

/**
 * A parked long-poll: answered by the first batch for its client, or by
 * `chsk/timeout` after `lpTimeoutMs`. One payload per poll: answering ends it,
 * and the client polls again.
 */
export class PollSession implements Session {
  private done = false;
  private timer: Timer | undefined;

  constructor(
    private readonly hub: Hub,
    private readonly client: ClientConn,
    private readonly exchange: HttpExchange,
  ) {}

  /** Parks the poll, or answers it at once with what is queued. */
  start(): void {
    this.client.attach(this);
    this.exchange.onAbort(() => this.finish());
    if (!this.done) this.timer = this.hub.timers.set(() => this.write(this.hub.packed.timeout), this.hub.opts.lpTimeoutMs);
  }

  write(payload: Packed): boolean {
    if (this.done) return false;
    // Written before the session ends: a poll the client already left keeps the batch in its queue.
    const written = this.exchange.respond(payloadResponse(payload));
    this.finish();
    return written;
  }

  end(code: number, reason: string): void {
    if (this.done) return;
    if (code === CLOSE_CODES.unauthorized) {
      // Expired or revoked credentials: terminal for the client, as the WebSocket's 4401.
      this.finish();
      this.exchange.respond(textResponse(401, reason));
      return;
    }
    const hint = parseRetryHint(reason);
    if (code === CLOSE_CODES.closedByServer || hint !== undefined) {
      this.finish();
      // closeUser ends a poll empty; a drain answers it 503 with the hint, which the client obeys.
      this.exchange.respond(hint === undefined ? NO_CONTENT : textResponse(503, reason, { 'retry-after': formatRetryAfter(hint) }));
      return;
    }
    this.write(this.hub.packed.timeout);
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.client.detach(this);
  }
}
