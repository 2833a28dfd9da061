// The class, not `senteError`: these codes have no status or close code, and a
// browser bundle of the client should not carry the table of errors.
import { SenteError } from './errors.js';
import type { BadEventReply, ContractIssue, SchemaContract, SenteContract, StandardSchemaV1 } from './contract.js';

/** The outcome of a schema: the (possibly transformed) value, or what is wrong with it. */
export type CheckResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly issues: readonly ContractIssue[] };

/** True when `v` is a Standard Schema (zod, valibot, arktype…). */
export function isSchema(v: unknown): v is StandardSchemaV1 {
  if ((typeof v !== 'object' && typeof v !== 'function') || v === null) return false;
  const props = (v as { '~standard'?: { validate?: unknown } })['~standard'];
  return typeof props === 'object' && props !== null && typeof props.validate === 'function';
}

function outcome(r: StandardSchemaV1.Result<unknown>): CheckResult {
  if (r.issues === undefined) return { ok: true, value: r.value };
  const issues = r.issues.map((i): ContractIssue => {
    const path = i.path?.map((p) => (typeof p === 'object' ? p.key : p));
    return path === undefined || path.length === 0 ? { message: i.message } : { message: i.message, path };
  });
  return { ok: false, issues };
}

/**
 * Runs `schema` on `value` and hands the outcome to `done`: at once when the
 * schema is synchronous (zod, valibot and arktype are, unless told otherwise),
 * after it settles when it returns a promise. A schema that throws fails.
 */
export function runSchema(schema: StandardSchemaV1, value: unknown, done: (result: CheckResult) => void): void {
  let r: StandardSchemaV1.Result<unknown> | Promise<StandardSchemaV1.Result<unknown>>;
  try {
    r = schema['~standard'].validate(value);
  } catch (e) {
    return done({ ok: false, issues: [{ message: `The schema threw: ${String(e)}` }] });
  }
  if (r instanceof Promise) {
    r.then(
      (res) => done(outcome(res)),
      (e: unknown) => done({ ok: false, issues: [{ message: `The schema threw: ${String(e)}` }] }),
    );
    return;
  }
  done(outcome(r));
}

/** The schema of one entry of a contract section, `undefined` when the id is not there (or is only a type). */
function entry(section: object | undefined, id: string, part?: 'payload' | 'reply'): StandardSchemaV1 | undefined {
  if (section === undefined || !Object.hasOwn(section, id)) return undefined;
  const v = (section as Record<string, unknown>)[id];
  const s = part === undefined ? v : (v as Record<string, unknown> | null | undefined)?.[part];
  return isSchema(s) ? s : undefined;
}

function hasSchema(section: object | undefined, parts: boolean): boolean {
  if (section === undefined || section === null) return false;
  return Object.keys(section).some((id) => (parts ? entry(section, id, 'payload') ?? entry(section, id, 'reply') : entry(section, id)) !== undefined);
}

/** True when a contract value holds at least one schema: only then is anything checked at run time. */
export function hasSchemas(contract: SenteContract | undefined): contract is SchemaContract {
  if (contract === undefined || contract === null || typeof contract !== 'object') return false;
  return hasSchema(contract.events, false) || hasSchema(contract.requests, true) || hasSchema(contract.pushes, false) || hasSchema(contract.serverRequests, true);
}

/** The schemas a contract has for what one side receives. */
export interface ContractChecks {
  /** The schema of event or request `id` (its payload), or `undefined` to let it through unchecked. */
  inbound(id: string): StandardSchemaV1 | undefined;
  /** False when the contract declares no such inbound id: it is refused. */
  knows(id: string): boolean;
  /** The schema of the reply to outbound request `id`. */
  reply(id: string): StandardSchemaV1 | undefined;
}

/**
 * The checks of one side: the server receives `events` and `requests` and gets
 * answers to `serverRequests`; a client receives `pushes` and `serverRequests`
 * and gets replies to `requests`. `undefined` when the contract has no schema,
 * so that an app without one does no work per event.
 */
export function contractChecks(contract: SenteContract | undefined, side: 'server' | 'client'): ContractChecks | undefined {
  if (!hasSchemas(contract)) return undefined;
  const [oneWay, twoWay, outbound] =
    side === 'server' ? [contract.events, contract.requests, contract.serverRequests] : [contract.pushes, contract.serverRequests, contract.requests];
  // A contract that declares nothing this side receives leaves what it receives alone.
  const closed = oneWay !== undefined || twoWay !== undefined;
  return {
    inbound: (id) => entry(twoWay, id, 'payload') ?? entry(oneWay, id),
    knows: (id) => !closed || (oneWay !== undefined && Object.hasOwn(oneWay, id)) || (twoWay !== undefined && Object.hasOwn(twoWay, id)),
    reply: (id) => entry(outbound, id, 'reply'),
  };
}

/**
 * Checks an inbound event: `pass` gets the validated data (the schema's
 * output), `fail` the issues. Ids the contract does not declare fail too.
 */
export function checkInbound(checks: ContractChecks, id: string, data: unknown, pass: (data: unknown) => void, fail: (issues: readonly ContractIssue[]) => void): void {
  if (!checks.knows(id)) return fail([{ message: `"${id}" is not in the contract` }]);
  const schema = checks.inbound(id);
  if (schema === undefined) return pass(data);
  runSchema(schema, data, (r) => (r.ok ? pass(r.value) : fail(r.issues)));
}

/** The reply a request that failed its payload schema gets. */
export function badEventReply(id: string, issues: readonly ContractIssue[]): BadEventReply {
  return { error: 'ERR_SENTE_BAD_EVENT', id, issues };
}

function describe(issues: readonly ContractIssue[]): string {
  return issues.map((i) => (i.path === undefined ? i.message : `${i.path.map(String).join('.')}: ${i.message}`)).join('; ');
}

/** The error of an inbound event that failed its contract. */
export function badEventError(id: string, issues: readonly ContractIssue[]): SenteError {
  return new SenteError('ERR_SENTE_BAD_EVENT', `Bad event "${id}": ${describe(issues)}.`, { cause: issues });
}

/** The error of a reply, answer or push that failed its contract. */
export function badReplyError(what: string, issues: readonly ContractIssue[]): SenteError {
  return new SenteError('ERR_SENTE_BAD_REPLY', `Bad ${what}: ${describe(issues)}.`, { cause: issues });
}
