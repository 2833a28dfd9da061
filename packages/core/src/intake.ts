import { CHSK, CLOSE_CODES } from './ids.js';
import { senteError } from './errors.js';
import { RATE_LIMITED_REPLY } from './rate-limit.js';
import { badEventError, badEventReply, checkInbound } from './contract-check.js';
import type { SenteError } from './errors.js';
import type { SenteEvent } from './event.js';
import type { EnvelopeExt } from './envelope.js';
import type { ErrorContext } from './options.js';
import type { ContractChecks } from './contract-check.js';
import type { Dedupe } from './dedupe.js';
import type { RateLimiter } from './rate-limit.js';
import type { ClientIdentity, Hub } from './hub.js';

type Reply = (value: unknown) => boolean;

/** What the intake needs of the server. */
export interface IntakeDeps {
  readonly hub: Hub;
  readonly dedupe: Dedupe;
  readonly limiter: RateLimiter | undefined;
  /** The contract's schemas; `undefined` without any, so that no event pays for them. */
  readonly checks: ContractChecks | undefined;
  /** Hands an event to the routers. */
  emit(event: SenteEvent, from: ClientIdentity, reply: Reply | undefined): void;
  report(error: SenteError, context: ErrorContext): void;
  /** Disconnects a client (both transports) with `code`. */
  disconnect(uid: string, clientId: string, code: number, reason: string): void;
}

/**
 * The way of a client's event to the routers, one step at a time: the rate
 * limits, then idempotency (a retry with a message id already seen gets the
 * first send's reply and is not handled again), then the contract's schemas.
 * An event that a step refuses never reaches a handler: a request gets an
 * error reply, an event becomes `chsk/bad-event`.
 */
export class EventIntake {
  constructor(private readonly d: IntakeDeps) {}

  take(event: SenteEvent, from: ClientIdentity, reply: Reply | undefined, ext: EnvelopeExt | undefined): void {
    this.d.hub.metrics.eventReceived(from.transport);
    if (this.d.limiter !== undefined && !this.withinRate(this.d.limiter, event, from, reply)) return;
    const messageId = ext?.m;
    if (messageId === undefined) return this.check(event, from, reply);
    // The replies the client says it got go first: this event's id is not among them.
    if (ext?.a !== undefined) this.d.dedupe.release(from.uid, from.clientId, ext.a);
    const first = this.d.dedupe.admit(from.uid, from.clientId, messageId, reply);
    if (first !== undefined) this.check(event, from, first ?? undefined);
  }

  private withinRate(limiter: RateLimiter, event: SenteEvent, from: ClientIdentity, reply: Reply | undefined): boolean {
    const verdict = limiter.check(from.uid, from.clientId, event[0]);
    if (verdict === 'ok') return true;
    this.refuse(senteError('ERR_SENTE_RATE_LIMITED', `Event ${event[0]} over a rate limit (${verdict})`), event, from, reply, RATE_LIMITED_REPLY);
    if (verdict === 'hard') this.d.disconnect(from.uid, from.clientId, CLOSE_CODES.rateLimited, 'Rate limited');
    return false;
  }

  /** Through the contract's schemas, when it has any. */
  private check(event: SenteEvent, from: ClientIdentity, reply: Reply | undefined): void {
    const checks = this.d.checks;
    if (checks === undefined || event[0] === CHSK.badEvent) return this.d.emit(event, from, reply);
    const id = event[0];
    checkInbound(
      checks,
      id,
      event[1],
      (data) => this.d.emit(data === event[1] ? event : [id, data], from, reply),
      (issues) => this.refuse(badEventError(id, issues), event, from, reply, badEventReply(id, issues)),
    );
  }

  private refuse(error: SenteError, event: SenteEvent, from: ClientIdentity, reply: Reply | undefined, answer: unknown): void {
    this.d.report(error, { uid: from.uid, clientId: from.clientId, transport: from.transport });
    if (reply !== undefined) reply(answer);
    else this.d.emit([CHSK.badEvent, event], from, undefined);
  }
}
