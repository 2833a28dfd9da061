import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { CbErrorValue } from './ids.js';
import { validateClient } from './contract-client.js';
import type { ValidatedClient } from './contract-client.js';

export type { StandardSchemaV1 } from '@standard-schema/spec';

/**
 * The events, requests and pushes a client and a server agree on, declared
 * once and shared by both. Four kinds, kept apart:
 *
 * - `events`: client → server, fire-and-forget; id → data.
 * - `requests`: client → server, with a reply; id → `{ payload, reply }`.
 * - `pushes`: server → client; id → data.
 * - `serverRequests`: server → client, with an answer; id → `{ payload, reply }`.
 *
 * Each data, payload or reply is either a plain type (a contract that is only
 * a type, given as a type argument) or a Standard Schema (zod, valibot,
 * arktype…: a contract that is a value, made with {@link defineContract} and
 * given as the `contract` option, which then also validates at run time).
 */
export interface SenteContract {
  readonly events?: object | undefined;
  readonly requests?: object | undefined;
  readonly pushes?: object | undefined;
  readonly serverRequests?: object | undefined;
}

/** One request of a contract: what is sent, and what comes back. */
export interface RequestSpec<Payload = unknown, Reply = unknown> {
  readonly payload: Payload;
  readonly reply: Reply;
}

/** The shape of a contract made of schemas, as {@link defineContract} takes it. */
export interface SchemaContract {
  readonly events?: Readonly<Record<string, StandardSchemaV1>> | undefined;
  readonly requests?: Readonly<Record<string, RequestSpec<StandardSchemaV1, StandardSchemaV1>>> | undefined;
  readonly pushes?: Readonly<Record<string, StandardSchemaV1>> | undefined;
  readonly serverRequests?: Readonly<Record<string, RequestSpec<StandardSchemaV1, StandardSchemaV1>>> | undefined;
}

/**
 * How a client finds the validation of a contract made by {@link defineContract}:
 * the contract brings it, so that a client without one does not carry it.
 */
export const VALIDATE_CLIENT: unique symbol = Symbol.for('sente.validate-client');

/** Validates what a client receives, as {@link defineContract} attaches it. */
export type ClientValidation = <T extends ValidatedClient>(client: T, onError: (error: unknown) => void) => T;

/**
 * A contract made of Standard Schemas: its types come from the schemas, and a
 * client or server given it as the `contract` option validates what crosses
 * the wire. Returns a copy of `contract` that also carries the client's
 * validation (a client validates only a contract made here; a server, any
 * contract with schemas).
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { defineContract } from '@sente/core';
 * export const chat = defineContract({
 *   requests: { 'chat/send': { payload: z.object({ text: z.string() }), reply: z.object({ ok: z.boolean() }) } },
 *   pushes: { 'chat/message': z.object({ from: z.string(), text: z.string() }) },
 * });
 * ```
 */
export function defineContract<const C extends SchemaContract>(contract: C): C {
  const validation: ClientValidation = (client, onError) => validateClient(client, contract, onError);
  return Object.defineProperty({ ...contract }, VALIDATE_CLIENT, { value: validation });
}

/** True when `C` is no contract at all (the default): everything types as untyped events. */
export type IsUntyped<C> = SenteContract extends C ? true : false;

/** The type a value has once received (a schema's output, or the plain type). */
export type Received<T> = [T] extends [StandardSchemaV1] ? StandardSchemaV1.InferOutput<T> : T;
/** The type a value must have to be sent (a schema's input, or the plain type). */
export type Sent<T> = [T] extends [StandardSchemaV1] ? StandardSchemaV1.InferInput<T> : T;

type SectionName = keyof SenteContract;
type Section<C, K extends SectionName> = K extends keyof C ? NonNullable<C[K]> : {};
type Part<S, Id, P extends 'payload' | 'reply'> = Id extends keyof S ? (S[Id] extends { readonly [Q in P]: infer T } ? T : never) : never;

/** The ids of a contract's client → server events. */
export type EventIdOf<C> = keyof Section<C, 'events'> & string;
/** The ids of a contract's client → server requests. */
export type RequestIdOf<C> = keyof Section<C, 'requests'> & string;
/** The ids of a contract's server → client pushes. */
export type PushIdOf<C> = keyof Section<C, 'pushes'> & string;
/** The ids of a contract's server → client requests. */
export type ServerRequestIdOf<C> = keyof Section<C, 'serverRequests'> & string;

/** The data of event `Id`, as sent (`Sent`) or received (`Received`). */
export type EventData<C, Id> = Id extends keyof Section<C, 'events'> ? Section<C, 'events'>[Id] : never;
/** The data of push `Id`, as declared. */
export type PushData<C, Id> = Id extends keyof Section<C, 'pushes'> ? Section<C, 'pushes'>[Id] : never;
/** The payload of request `Id`, as declared. */
export type RequestPayload<C, Id> = Part<Section<C, 'requests'>, Id, 'payload'>;
/** The reply of request `Id`, as declared. */
export type RequestReply<C, Id> = Part<Section<C, 'requests'>, Id, 'reply'>;
/** The payload of server request `Id`, as declared. */
export type ServerRequestPayload<C, Id> = Part<Section<C, 'serverRequests'>, Id, 'payload'>;
/** The answer of server request `Id`, as declared. */
export type ServerRequestReply<C, Id> = Part<Section<C, 'serverRequests'>, Id, 'reply'>;

/** `[id, data]`, the data optional when `undefined` is a valid value. */
export type EventTuple<Id extends string, D> = readonly [id: Id, ...data: DataOf<D>];
type DataOf<D> = undefined extends D ? [data?: D] : [data: D];

/** The events a client may `send` (fire-and-forget). */
export type ClientSendEvent<C> = IsUntyped<C> extends true ? readonly [id: string, data?: unknown] : { [K in EventIdOf<C>]: EventTuple<K, Sent<EventData<C, K>>> }[EventIdOf<C>];
/** Request `Id` as a client sends it. */
export type ClientRequestEvent<C, Id extends string> = IsUntyped<C> extends true ? readonly [id: string, data?: unknown] : EventTuple<Id, Sent<RequestPayload<C, Id>>>;
/** The reply a client gets to request `Id`. */
export type ClientReply<C, Id> = IsUntyped<C> extends true ? unknown : Received<RequestReply<C, Id>>;
/** The pushes a server may send (and `['chsk/close']`, which closes a uid's connections). */
export type ServerPushEvent<C> = IsUntyped<C> extends true ? readonly [id: string, data?: unknown] : { [K in PushIdOf<C>]: EventTuple<K, Sent<PushData<C, K>>> }[PushIdOf<C>];
/** Server request `Id` as a server sends it. */
export type ServerRequestEvent<C, Id extends string> = IsUntyped<C> extends true ? readonly [id: string, data?: unknown] : EventTuple<Id, Sent<ServerRequestPayload<C, Id>>>;
/** The answer a server gets to server request `Id`. */
export type ServerAnswer<C, Id> = IsUntyped<C> extends true ? unknown : Received<ServerRequestReply<C, Id>>;
/** A push as a client receives it. */
export type ReceivedPush<C> = IsUntyped<C> extends true ? readonly [id: string, data?: unknown] : { [K in PushIdOf<C>]: readonly [id: K, data: Received<PushData<C, K>>] }[PushIdOf<C>];

/** What a typed reply callback gets: the reply, or one of Sente's failure outcomes. */
export type ReplyOutcome<R> = R | CbErrorValue | BadEventReply;

/** One problem a schema found, as it crosses the wire. */
export interface ContractIssue {
  readonly message: string;
  /** Where, e.g. `['text']`; absent for the value itself. */
  readonly path?: readonly PropertyKey[] | undefined;
}

/**
 * The reply a server gives in place of the handler's when a request fails
 * its contract's payload schema (the handler never sees it).
 */
export interface BadEventReply {
  readonly error: 'ERR_SENTE_BAD_EVENT';
  /** The request's id. */
  readonly id: string;
  readonly issues: readonly ContractIssue[];
}

/** True for a {@link BadEventReply}. */
export function isBadEventReply(v: unknown): v is BadEventReply {
  return typeof v === 'object' && v !== null && (v as { error?: unknown }).error === 'ERR_SENTE_BAD_EVENT' && Array.isArray((v as { issues?: unknown }).issues);
}
