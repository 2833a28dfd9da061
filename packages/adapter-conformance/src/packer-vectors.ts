import { Keyword } from '@sente/core';

/**
 * How a test expects a wire value in TypeScript:
 * - `'string'`: keyword-keyed maps such as `{:a 1}` read as `Map`s with
 *   {@link Keyword} keys (the packers' default `objectKeys: 'string'`);
 * - `'keyword'`: they read as plain objects (`objectKeys: 'keyword'`);
 * - `'names'`: plain objects, and every keyword as its bare name (JSON).
 */
export type VectorMode = 'string' | 'keyword' | 'names';

/** One message of Sente 1.21's wire protocol (sente-protocol §3.4), as Clojure Sente packs it. */
export interface WireVector {
  /** A stable id, the key of the packer's fixture file. */
  readonly id: string;
  /** The envelope as Clojure prints it (`pr-str`). */
  readonly clojure: string;
  /** What the message is. */
  readonly description: string;
  /** The envelope as a TypeScript value. */
  value(mode: VectorMode): unknown;
}

const k = (mode: VectorMode, name: string): Keyword | string => (mode === 'names' ? name : Keyword.for(name));

/** `{:name value …}` in each mode. */
function kwMap(mode: VectorMode, entries: ReadonlyArray<readonly [string, unknown]>): unknown {
  if (mode === 'string') return new Map(entries.map(([name, v]) => [Keyword.for(name), v]));
  return Object.fromEntries(entries);
}

/** Every envelope Sente 1.21 puts on the wire, in both directions (sente-protocol §3.4). */
export const senteWireVectors: readonly WireVector[] = [
  {
    id: 'handshake',
    clojure: '[[:chsk/handshake ["uid" nil nil]] nil]',
    description: 'Server → client handshake for uid "uid" with no handshake data (first WS frame, or the Ajax handshake reply).',
    value: (m) => [[k(m, 'chsk/handshake'), ['uid', null, null]], null],
  },
  {
    id: 'handshake-nil-uid',
    clojure: '[[:chsk/handshake [:sente/nil-uid nil nil]] nil]',
    description: 'Handshake of a connection whose user-id function gave no uid: the uid is the keyword :sente/nil-uid.',
    value: (m) => [[k(m, 'chsk/handshake'), [k(m, 'sente/nil-uid'), null, null]], null],
  },
  {
    id: 'push-batch',
    clojure: '[[[:my/ev {:a 1}] [:my/ev2 "x"]] nil]',
    description: 'Server → client push: always a vector of events, here two.',
    value: (m) => [[[k(m, 'my/ev'), kwMap(m, [['a', 1]])], [k(m, 'my/ev2'), 'x']], null],
  },
  {
    id: 'ws-reply',
    clojure: '[{:ok true} "k3f9a1"]',
    description: 'Server → client reply over WebSocket to the request with cb-id "k3f9a1".',
    value: (m) => [kwMap(m, [['ok', true]]), 'k3f9a1'],
  },
  {
    id: 'ajax-reply',
    clojure: '[{:ok true} nil]',
    description: 'Server → client reply as the body of an Ajax POST response.',
    value: (m) => [kwMap(m, [['ok', true]]), null],
  },
  {
    id: 'ws-ping',
    clojure: '[:chsk/ws-ping nil]',
    description: 'Server → client keep-alive ping: a bare keyword, not an event.',
    value: (m) => [k(m, 'chsk/ws-ping'), null],
  },
  {
    id: 'pong',
    clojure: '["pong" "k3f9a1"]',
    description: 'Server → client answer to a client ping sent with cb-id "k3f9a1": the literal string "pong".',
    value: () => ['pong', 'k3f9a1'],
  },
  {
    id: 'client-pong',
    clojure: '[[:chsk/ws-pong] nil]',
    description: 'Client → server answer to a server ping: a 1-element event.',
    value: (m) => [[k(m, 'chsk/ws-pong')], null],
  },
  {
    id: 'dummy-cb-200',
    clojure: '[:chsk/dummy-cb-200 nil]',
    description: 'Server → client Ajax POST response when the client wanted no reply.',
    value: (m) => [k(m, 'chsk/dummy-cb-200'), null],
  },
  {
    id: 'timeout',
    clojure: '[:chsk/timeout nil]',
    description: 'Server → client long-poll timeout, or a POST whose handler did not reply in time.',
    value: (m) => [k(m, 'chsk/timeout'), null],
  },
  {
    id: 'ajax-event',
    clojure: '[[:my/ev {:a 1}] :ajax]',
    description: 'Client → server event over an Ajax POST that wants a reply: the cb slot is the keyword :ajax.',
    value: (m) => [[k(m, 'my/ev'), kwMap(m, [['a', 1]])], k(m, 'ajax')],
  },
];
