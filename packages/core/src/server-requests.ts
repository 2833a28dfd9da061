import { randomId } from './clock.js';
import { senteError } from './errors.js';
import type { SenteError } from './errors.js';
import type { Timer, Timers } from './timers.js';

interface Pending {
  /** Undefined for a request by client id alone, sent through a backplane: the client's uid is not known here. */
  readonly uid: string | undefined;
  readonly clientId: string;
  /**
   * Sent through a backplane: the node that delivers it fails it when its
   * client leaves there; a record of the client on this node expiring (an
   * Ajax client polling another node) says nothing about it.
   */
  readonly forwarded: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: SenteError) => void;
  readonly timer: Timer;
}

/**
 * The server's requests to clients waiting for their answer: each settles
 * once — with the answer of the client it was sent to, with
 * `ERR_SENTE_TIMEOUT`, or with `ERR_SENTE_CLOSED` when that client is gone.
 */
export class ServerRequests {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly timers: Timers,
    /** Prefixes every id (a backplane's node id, so that an answer on another node finds its way back). */
    private readonly prefix = '',
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** A new request to `client`: its id, and the promise of its answer. */
  open(client: { readonly uid: string | undefined; readonly clientId: string }, timeoutMs: number, forwarded = false): { id: string; answer: Promise<unknown> } {
    const id = this.prefix + randomId(12);
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = this.timers.set(() => {
        this.pending.delete(id);
        reject(senteError('ERR_SENTE_TIMEOUT', `No answer from client ${client.clientId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { uid: client.uid, clientId: client.clientId, forwarded, resolve, reject, timer });
    });
    return { id, answer };
  }

  /** `client` answered request `id`; an answer from any other client, or a second one, is ignored. */
  answer(id: string, value: unknown, client: { readonly uid: string; readonly clientId: string }): boolean {
    const p = this.pending.get(id);
    if (p === undefined || (p.uid !== undefined && p.uid !== client.uid) || p.clientId !== client.clientId) return false;
    this.settle(id, p);
    p.resolve(value);
    return true;
  }

  /** The client is gone: its requests fail. */
  gone(client: { readonly uid: string; readonly clientId: string }): void {
    for (const [id, p] of this.pending) {
      if (p.forwarded || p.uid !== client.uid || p.clientId !== client.clientId) continue;
      this.settle(id, p);
      p.reject(senteError('ERR_SENTE_CLOSED', `Client ${client.clientId} left before it answered`));
    }
  }

  /** Request `id` failed elsewhere (on the node of its client). */
  fail(id: string, error: SenteError): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.settle(id, p);
    p.reject(error);
  }

  /** Fails every request with `error`. */
  failAll(error: SenteError): void {
    for (const [id, p] of this.pending) {
      this.settle(id, p);
      p.reject(error);
    }
  }

  private settle(id: string, p: Pending): void {
    this.pending.delete(id);
    p.timer.cancel();
  }
}
