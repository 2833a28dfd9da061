import { formatRetryAfter, formatRetryHint } from './retry-hint.js';
import { textResponse } from './responses.js';
import type { RetryHint } from './retry-hint.js';
import type { SenteResponse } from './request.js';

/** Connection limits (admission control), each optional. */
export interface ConnectionLimits {
  /** Clients (tabs, devices) on this process, both transports. @default undefined (no limit) */
  readonly maxConnections?: number | undefined;
  /** Clients of one uid on this process. @default undefined (no limit) */
  readonly maxConnectionsPerUid?: number | undefined;
  /** Clients from one remote address on this process. @default undefined (no limit) */
  readonly maxConnectionsPerAddress?: number | undefined;
  /** The retry hint given to a client turned away. @default { afterMs: 5000, jitterMs: 2500 } */
  readonly retry?: RetryHint | undefined;
}

/** Why a new client was turned away, and when it may come back. */
export interface Refusal {
  readonly reason: 'draining' | 'connections' | 'uid' | 'address';
  readonly hint: RetryHint;
}

/**
 * Admission control: whether a new client may connect now. Counts the clients
 * as they come and go, and by uid and by remote address only under a limit of
 * that kind (an entry per uid costs memory for every connection).
 */
export class Admission {
  private total = 0;
  private readonly byUid: Map<string, number> | undefined;
  private readonly byAddress: Map<string, number> | undefined;
  /** While draining: the hint every new client gets. */
  draining: RetryHint | undefined;

  constructor(private readonly limits: ConnectionLimits) {
    this.byUid = limits.maxConnectionsPerUid === undefined ? undefined : new Map();
    this.byAddress = limits.maxConnectionsPerAddress === undefined ? undefined : new Map();
  }

  /** Why a new client of `uid` from `address` may not connect now, if it may not. */
  refusal(uid: string, address: string | undefined): Refusal | undefined {
    if (this.draining !== undefined) return { reason: 'draining', hint: this.draining };
    const { maxConnections, maxConnectionsPerUid, maxConnectionsPerAddress } = this.limits;
    const hint = this.limits.retry ?? { afterMs: 5000, jitterMs: 2500 };
    if (maxConnections !== undefined && this.total >= maxConnections) return { reason: 'connections', hint };
    if (maxConnectionsPerUid !== undefined && (this.byUid?.get(uid) ?? 0) >= maxConnectionsPerUid) return { reason: 'uid', hint };
    if (maxConnectionsPerAddress !== undefined && address !== undefined && (this.byAddress?.get(address) ?? 0) >= maxConnectionsPerAddress) {
      return { reason: 'address', hint };
    }
    return undefined;
  }

  add(uid: string, address: string | undefined): void {
    this.total++;
    this.byUid?.set(uid, (this.byUid.get(uid) ?? 0) + 1);
    if (address !== undefined) this.byAddress?.set(address, (this.byAddress.get(address) ?? 0) + 1);
  }

  remove(uid: string, address: string | undefined): void {
    this.total--;
    if (this.byUid !== undefined) dec(this.byUid, uid);
    if (address !== undefined && this.byAddress !== undefined) dec(this.byAddress, address);
  }
}

function dec(m: Map<string, number>, k: string): void {
  const n = (m.get(k) ?? 0) - 1;
  if (n > 0) m.set(k, n);
  else m.delete(k);
}

/** The HTTP answer to a client turned away: 503 with `Retry-After` (whole seconds, rounded up). */
export function refusalResponse(r: Refusal): SenteResponse {
  const message = r.reason === 'draining' ? 'Server draining' : 'Over capacity';
  return textResponse(503, message, { 'retry-after': formatRetryAfter(r.hint) });
}

/** The WebSocket close reason for a client turned away, with its retry hint. */
export function refusalReason(r: Refusal): string {
  return `${r.reason === 'draining' ? 'Server draining' : 'Over capacity'} ${formatRetryHint(r.hint)}`;
}
