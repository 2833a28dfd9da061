import { CHSK, CLOSE_CODES } from './ids.js';
import { senteError } from './errors.js';
import { decodeEnvelope, pongEnvelope, replyEnvelope } from './envelope.js';
import { overLimit, payloadTooLarge } from './body.js';
import { badPackage, clientEvent } from './inbound.js';
import { takeWireEvent } from './event.js';
import { currentTrace, inTraceOf } from './trace.js';
import type { SenteError } from './errors.js';
import type { KeptAlive } from './keep-alive.js';
import type { Packed, TextParts } from './packer.js';
import { CHANNEL_OPS } from './adapter.js';
import type { SocketListener, SocketOps } from './adapter.js';
import type { Timer } from './timers.js';
import type { Hub } from './hub.js';
import type { ClientConn } from './client-conn.js';
import type { Session } from './session.js';

/** {@link WsSession}'s state while open, and once closed (in between, the close code this side sent). */
const OPEN = 0;
const CLOSED = -1;

/**
 * {@link WsSession}'s state and its keep-alive's (traffic seen, `kaActive`;
 * where it waits, `kaState`, 0–3) in one small integer:
 * `active + 2 * kaState + 8 * s`, where `s` is 0 while open, 1 once closed,
 * and the close code + 2 while closing.
 */
const ACTIVE = 1;
const KA_BITS = 6;
const STATE_SHIFT = 3;
const stateOf = (s: number): number => (s === 0 ? OPEN : s === 1 ? CLOSED : s - 2);
const encoded = (state: number): number => (state === OPEN ? 0 : state === CLOSED ? 1 : state + 2);

/** How often a paused socket's buffer is checked when its adapter reports no drains. */
const DRAIN_CHECK_MS = 50;

/** The drain check of each paused socket (a slow reader's: rare, so not a field of every socket). */
const drainChecks = new WeakMap<WsSession, Timer>();

/**
 * A client's WebSocket: the frames it receives, its keep-alive, and the
 * backpressure of its sends. It is the socket's listener; its timers die with it.
 */
export class WsSession implements Session, SocketListener, KeptAlive {
  /** {@link state}, {@link kaState} and {@link kaActive}: one field, a socket record stays small. */
  private bits = 0;
  // The keep-alive's due time (its other state is in `bits`), kept by the server's one sweep (`hub.keepAlive`): no object or timer per socket.
  kaDue = 0;
  /**
   * What is done with {@link socket}: on the prototype of the session class
   * of its kind ({@link sessionClass}), not a field of every socket's record.
   */
  declare protected readonly ops: SocketOps<unknown>;

  constructor(
    private readonly client: ClientConn,
    /** The adapter's socket: a `SocketChannel`, or its own object that {@link ops} works on. */
    private readonly socket: unknown,
  ) {}

  /** {@link OPEN}, the code this side is closing with, or {@link CLOSED}. */
  private get state(): number {
    return stateOf(this.bits >> STATE_SHIFT);
  }

  private set state(state: number) {
    this.bits = (encoded(state) << STATE_SHIFT) | (this.bits & (KA_BITS | ACTIVE));
  }

  get kaState(): KeptAlive['kaState'] {
    return ((this.bits & KA_BITS) >> 1) as KeptAlive['kaState'];
  }

  set kaState(ka: KeptAlive['kaState']) {
    this.bits = (this.bits & ~KA_BITS) | (ka << 1);
  }

  get kaActive(): boolean {
    return (this.bits & ACTIVE) !== 0;
  }

  set kaActive(active: boolean) {
    this.bits = active ? this.bits | ACTIVE : this.bits & ~ACTIVE;
  }

  /** The client's hub (not a field of its own: a socket record stays small). */
  private get hub(): Hub {
    return this.client.hub;
  }

  private get closed(): boolean {
    return this.bits >> STATE_SHIFT === 1;
  }

  /** Keep-alive: the socket was idle for a whole interval. */
  ping(): void {
    this.ops.send(this.socket, this.hub.packed.ping);
  }

  /** Keep-alive: no traffic after a ping. */
  dead(): void {
    this.fail(senteError('ERR_SENTE_KEEPALIVE_TIMEOUT'));
  }

  /** Sends the handshake, then what was queued for the client while it was away. */
  start(handshake: Packed): void {
    this.ops.send(this.socket, handshake, undefined, true);
    this.hub.keepAlive?.start(this);
    this.client.attach(this);
  }

  write(payload: Packed, parts?: TextParts): boolean {
    if (this.closed) return false;
    if (this.ops.bufferedAmount(this.socket) > this.hub.opts.maxBufferedBytes) {
      // The reader is slow: stop here, in order; the client's queue takes the rest.
      if (!drainChecks.has(this)) drainChecks.set(this, this.hub.timers.set(() => this.onDrain(), DRAIN_CHECK_MS));
      return false;
    }
    this.ops.send(this.socket, payload, parts);
    this.bits |= ACTIVE;
    return true;
  }

  end(code: number, reason: string): void {
    if (this.state !== OPEN) return;
    this.state = code;
    this.ops.close(this.socket, code, reason);
    // Sente's "force close": do not wait for the adapter's report, which a dead peer may never cause.
    this.onClose();
  }

  onDrain(): void {
    this.stopDrainCheck();
    if (!this.closed) this.client.drain();
  }

  private stopDrainCheck(): void {
    const check = drainChecks.get(this);
    if (check === undefined) return;
    check.cancel();
    drainChecks.delete(this);
  }

  onClose(code?: number): void {
    if (this.closed) return;
    const endCode = this.state;
    this.state = CLOSED;
    this.hub.metrics.closed(endCode !== OPEN ? endCode : (code ?? 1005));
    this.hub.keepAlive?.stop(this);
    this.stopDrainCheck();
    this.client.detach(this);
  }

  onMessage(data: Packed): void {
    if (this.closed) return;
    const max = this.hub.opts.maxPayloadBytes;
    if (overLimit(data, max)) return this.fail(payloadTooLarge(max));
    this.bits |= ACTIVE;
    let env;
    try {
      env = decodeEnvelope(this.hub.packer.unpack(data));
    } catch (e) {
      return this.fail(badPackage(e));
    }
    if (env === undefined) return this.fail(senteError('ERR_SENTE_BAD_PACKAGE', 'Bad package: not a Sente envelope'));
    const { content, cbId, ext } = env;
    const ev = takeWireEvent(content);
    if (ev !== undefined && ev[0] === CHSK.wsPing) {
      if (cbId !== null) this.ops.send(this.socket, this.hub.packer.pack(pongEnvelope(cbId)), undefined, true);
      return;
    }
    if (ev !== undefined && ev[0] === CHSK.wsPong) return;
    if (ext?.r !== undefined) return this.hub.answer(ext.r, content, this.client);
    // Fresh credentials, from a client of the extensions only (for a Sente client, a reserved id: chsk/bad-event).
    if (ev !== undefined && ev[0] === CHSK.refresh && this.client.ext) return this.hub.refresh(this.client, ev[1], cbId === null ? undefined : this.replier(cbId, false));
    const event = clientEvent(ev, content);
    // A client's trace context: the handlers run in it, and the reply carries the server's back.
    if (ext?.t !== undefined) return inTraceOf(ext, () => this.hub.dispatch(event, this.client, cbId === null ? undefined : this.replier(cbId, true), ext));
    this.hub.dispatch(event, this.client, cbId === null ? undefined : this.replier(cbId, false), ext);
  }

  private replier(cbId: string, traced: boolean): (value: unknown) => boolean {
    let done = false;
    const at = this.hub.metrics.timesReplies ? this.hub.timers.elapsed() : 0;
    return (value) => {
      if (done) return false;
      if (this.closed) {
        done = true;
        return false;
      }
      // Packed first: a value the packer rejects throws to the handler and leaves the reply open.
      const payload = this.hub.packer.pack(replyEnvelope(value, cbId, traced ? currentTrace() : undefined));
      done = true;
      this.ops.send(this.socket, payload, undefined, true);
      this.bits |= ACTIVE;
      if (this.hub.metrics.timesReplies) this.hub.metrics.replied('ws', this.hub.timers.elapsed() - at);
      return true;
    };
  }

  private fail(error: SenteError): void {
    this.hub.report(error, this.client.context);
    this.end(error.closeCode ?? CLOSE_CODES.badPackage, error.message.slice(0, 120));
  }
}

Object.defineProperty(WsSession.prototype, 'ops', { value: CHANNEL_OPS });

/** The session class of each kind of socket (its {@link SocketOps}): one per adapter, made once. */
const sessionClasses = new WeakMap<SocketOps<never>, typeof WsSession>();

/**
 * The class of the sessions of sockets worked on by `ops`: {@link WsSession}
 * for channels, else a subclass with `ops` on its prototype.
 */
export function sessionClass(ops: SocketOps<never>): typeof WsSession {
  if ((ops as SocketOps<unknown>) === CHANNEL_OPS) return WsSession;
  let C = sessionClasses.get(ops);
  if (C === undefined) {
    C = class extends WsSession {};
    Object.defineProperty(C.prototype, 'ops', { value: ops });
    sessionClasses.set(ops, C);
  }
  return C;
}
