import { CHSK } from './ids.js';
import { SenteError } from './errors.js';
import { badEventReply, badReplyError, contractChecks, runSchema } from './contract-check.js';
import { isBadEventReply } from './contract.js';
import type { SenteContract } from './contract.js';
import type { SenteEvent } from './event.js';

/** The parts of a client that validation wraps (`@sente/client`'s `SenteClient`). */
export interface ValidatedClient {
  on(kind: string, listener: (payload: never) => void): () => void;
  startRouter(handler: (msg: never) => unknown, options?: never): unknown;
  send(event: SenteEvent, a?: never, b?: never): boolean;
  request(event: SenteEvent, timeoutMs: number): Promise<unknown>;
}

/** A client router message, as far as validation reads it. */
interface Msg {
  readonly id: string;
  readonly data: unknown;
  readonly event: SenteEvent;
  readonly reply?: ((value: unknown) => void) | undefined;
}

type Verdict = { readonly ok: true; readonly event: SenteEvent } | { readonly ok: false };
type Callback = (reply: unknown) => void;
type Listener = (payload: unknown) => void;

/**
 * Puts the schemas of `contract` between the wire and a client's app:
 * replies to requests, pushes and server requests are checked before anyone
 * sees them. An invalid reply rejects `request` with `ERR_SENTE_BAD_REPLY`
 * (a callback gets `'chsk/error'`); an invalid push is dropped; an invalid
 * server request is answered with a `BadEventReply`; each is reported to
 * `onError`. Returns `client` untouched when the contract has no schema.
 * {@link defineContract} hands this to the client, so that a client without
 * a schema contract does not carry it.
 */
export function validateClient<T extends ValidatedClient>(client: T, contract: SenteContract, onError: (error: unknown) => void): T {
  const checks = contractChecks(contract, 'client');
  if (checks === undefined) return client;
  const c = client as unknown as {
    on: (kind: string, listener: Listener) => () => void;
    startRouter: (handler: (msg: Msg) => unknown, options?: unknown) => unknown;
    send: (event: SenteEvent, a?: unknown, b?: unknown) => boolean;
    request: (event: SenteEvent, timeoutMs: number) => Promise<unknown>;
  };
  const { on, startRouter, send, request } = c;
  // Every listener and router gets the same event object: check it once.
  const verdicts = new WeakMap<SenteEvent, Verdict>();

  const checkPush = (ev: SenteEvent, answer: Callback | undefined, deliver: (ev: SenteEvent) => unknown): unknown => {
    const known = verdicts.get(ev);
    if (known !== undefined) return known.ok ? deliver(known.event) : undefined;
    const id = ev[0];
    const refuse = (why: SenteError): void => {
      verdicts.set(ev, { ok: false });
      onError(why);
    };
    if (!checks.knows(id)) {
      answer?.(badEventReply(id, [{ message: `"${id}" is not in the contract` }]));
      return refuse(new SenteError('ERR_SENTE_BAD_REPLY', `Dropped "${id}": it is not in the contract.`));
    }
    const schema = checks.inbound(id);
    if (schema === undefined) return deliver(ev);
    let out: unknown;
    runSchema(schema, ev[1], (r) => {
      if (!r.ok) {
        answer?.(badEventReply(id, r.issues));
        return refuse(badReplyError(`push "${id}"`, r.issues));
      }
      const checked: SenteEvent = r.value === ev[1] ? ev : [id, r.value];
      verdicts.set(ev, { ok: true, event: checked });
      out = deliver(checked);
    });
    return out;
  };

  const checkReply = (id: string, reply: unknown, done: Callback, fail: (error: SenteError) => void): void => {
    const schema = checks.reply(id);
    if (schema === undefined) return done(reply);
    runSchema(schema, reply, (r) => (r.ok ? done(r.value) : fail(badReplyError(`reply to "${id}"`, r.issues))));
  };

  c.on = (kind, listener) => (kind === 'event' ? on(kind, (ev) => void checkPush(ev as SenteEvent, undefined, listener)) : on(kind, listener));

  c.startRouter = (handler, options) =>
    startRouter((msg) => {
      if (msg.id === CHSK.recv) {
        return checkPush(msg.data as SenteEvent, undefined, (ev) => handler(ev === msg.data ? msg : { ...msg, data: ev, event: [CHSK.recv, ev] }));
      }
      if (msg.id.startsWith('chsk/')) return handler(msg);
      return checkPush(msg.event, msg.reply, (ev) => handler(ev === msg.event ? msg : { ...msg, data: ev[1], event: ev }));
    }, options);

  c.send = (event, a, b) => {
    const options = typeof a === 'object' && a !== null ? (a as { cb?: Callback }) : undefined;
    const cb = options === undefined ? (b as Callback | undefined) : options.cb;
    if (cb === undefined) return send(event, a, b);
    const checked: Callback = (reply) => {
      if ((typeof reply === 'string' && reply.startsWith('chsk/')) || isBadEventReply(reply)) return cb(reply);
      checkReply(event[0], reply, cb, (e) => {
        onError(e);
        cb(CHSK.error);
      });
    };
    return options === undefined ? send(event, a, checked) : send(event, { ...options, cb: checked });
  };

  c.request = (event, timeoutMs) => request(event, timeoutMs).then((reply) => new Promise((resolve, reject) => checkReply(event[0], reply, resolve, reject)));

  return client;
}
