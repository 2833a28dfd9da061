import { CHSK_BAD_EVENT } from './ids.js';
import { SenteError } from './errors.js';
import { Keyword, keywordName } from './keyword.js';
import type { Packer } from './packer.js';

/** A namespaced event id, `'ns/name'`. */
export type EventId = `${string}/${string}`;

/** A Sente event: `[id]` or `[id, data]`, `id` a namespaced string. */
export type SenteEvent<Id extends string = string, D = unknown> = readonly [id: Id, data?: D];

/** A map from event id to its data type, for typed send and receive. */
export type EventMap = Record<string, unknown>;

/** The event tuples a typed event map allows. */
export type EventOf<M extends EventMap> = { [K in keyof M & string]: readonly [id: K, data: M[K]] }[keyof M & string];

/** True when `id` is namespaced: `'ns/name'` with both parts non-empty. */
export function isNamespacedId(id: unknown): id is EventId {
  if (typeof id !== 'string') return false;
  const i = id.indexOf('/');
  return i > 0 && i < id.length - 1;
}

/** The namespaces Sente keeps for itself: apps may neither push nor send their ids. */
const RESERVED_NAMESPACES = ['chsk/', 'sente/'] as const;

/** True for an id in Sente's own namespaces (`chsk/*`, `sente/*`). */
export function isReservedId(id: string): boolean {
  return id.startsWith(RESERVED_NAMESPACES[0]) || id.startsWith(RESERVED_NAMESPACES[1]);
}

/** True when `v` is a valid event: a 1- or 2-element array with a namespaced id. */
export function isEvent(v: unknown): v is SenteEvent {
  return Array.isArray(v) && (v.length === 1 || v.length === 2) && isNamespacedId(v[0]);
}

/**
 * Why `v` is not a valid event, or `undefined` when it is one.
 */
export function validateEvent(v: unknown): string | undefined {
  if (!Array.isArray(v)) return 'an event must be an array [id, data?]';
  if (v.length !== 1 && v.length !== 2) return `an event must have 1 or 2 elements, not ${v.length}`;
  if (typeof v[0] !== 'string') return 'an event id must be a string';
  if (!isNamespacedId(v[0])) return `an event id must be namespaced ("ns/name"), not "${v[0]}"`;
  return undefined;
}

/** `v` as an event, or `[chsk/bad-event, v]` when it is not one. */
export function asEvent(v: unknown): SenteEvent {
  return isEvent(v) ? v : [CHSK_BAD_EVENT, v];
}

/** Throws a `ERR_SENTE_BAD_EVENT` {@link SenteError} unless `v` is a valid event. */
export function assertEvent(v: unknown): asserts v is SenteEvent {
  const why = validateEvent(v);
  if (why !== undefined) throw new SenteError('ERR_SENTE_BAD_EVENT', `Bad event: ${why}.`);
}

/** An event as it crosses the wire: the id as a keyword. */
export type WireEvent = readonly [Keyword, unknown] | readonly [Keyword];

/** The wire form of a valid event (its id as a {@link Keyword}). */
export function toWireEvent(ev: SenteEvent): WireEvent {
  return ev.length === 1 ? [Keyword.for(ev[0])] : [Keyword.for(ev[0]), ev[1]];
}

/**
 * An event as a client hands it to its packer: its wire form, or, for a
 * packer that writes keywords as names, the event with its string id
 * ({@link eventsFor}).
 */
export type OutEvent = WireEvent | SenteEvent;

/**
 * How a client hands its events to `packer`: as {@link toWireEvent} gives
 * them or, for a packer that writes keywords as their names
 * (`Packer.keywordsAsNames`), as copies with their string ids, which pack the
 * same.
 */
export function eventsFor(packer: Packer): (ev: SenteEvent) => OutEvent {
  return packer.keywordsAsNames === true ? copyEvent : toWireEvent;
}

const copyEvent = (ev: SenteEvent): SenteEvent => (ev.length === 1 ? [ev[0]] : [ev[0], ev[1]]);

/**
 * An event read off the wire, its id a keyword or (from keyword-less packers
 * such as JSON) a string, as an app-facing event with a string id; `undefined`
 * when it is not a valid event.
 */
export function fromWireEvent(v: unknown): SenteEvent | undefined {
  if (!Array.isArray(v) || (v.length !== 1 && v.length !== 2)) return undefined;
  const id = keywordName(v[0]);
  if (!isNamespacedId(id)) return undefined;
  return v.length === 1 ? [id] : [id, v[1]];
}

/**
 * {@link fromWireEvent} for an event just unpacked, that nothing else holds:
 * the array itself when its id is already a string (packers without
 * keywords, such as JSON), with no copy.
 */
export function takeWireEvent(v: unknown): SenteEvent | undefined {
  if (!Array.isArray(v) || (v.length !== 1 && v.length !== 2)) return undefined;
  const id: unknown = v[0];
  if (typeof id === 'string') return isNamespacedId(id) ? (v as unknown as SenteEvent) : undefined;
  return fromWireEvent(v);
}
