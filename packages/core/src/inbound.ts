import { ALL_USERS_WITHOUT_UID, CHSK, NIL_UID } from './ids.js';
import { isSenteError, senteError } from './errors.js';
import { isReservedId, toWireEvent, validateEvent } from './event.js';
import type { SenteError } from './errors.js';
import type { SenteEvent, WireEvent } from './event.js';
import type { SenteRequest } from './request.js';
import type { LogPosition } from './push-log.js';

const MAX_CLIENT_ID_LENGTH = 128;

/**
 * A payload the packer could not unpack, as the protocol answers it whatever
 * the packer threw: `ERR_SENTE_BAD_PACKAGE` (400 on Ajax, 1007 on WebSocket).
 */
export function badPackage(e: unknown): SenteError {
  const own = isSenteError(e) && e.code === 'ERR_SENTE_BAD_PACKAGE';
  // A packer's own error keeps its message; its status and close code are the table's.
  if (own && e.status !== undefined && e.closeCode !== undefined) return e;
  return senteError('ERR_SENTE_BAD_PACKAGE', own ? e.message : 'Bad package', e);
}

/** A client's event as the routers see it: reserved or invalid ones become `chsk/bad-event`. */
export function clientEvent(ev: SenteEvent | undefined, raw: unknown): SenteEvent {
  if (ev === undefined || isReservedId(ev[0])) return [CHSK.badEvent, raw];
  return ev;
}

/** The refusal of a missing, blank or overlong client id; undefined for a good one. */
export function badClientId(clientId: string | undefined): SenteError | undefined {
  // Sente rejects a blank client id (`str/blank?`), whitespace included.
  const blank = typeof clientId !== 'string' || clientId.trim().length === 0;
  if (!blank && clientId.length <= MAX_CLIENT_ID_LENGTH) return undefined;
  return senteError('ERR_SENTE_NO_CLIENT_ID', blank ? 'Missing client id' : 'Bad client id');
}

/** The default uid: the session's `uid`. */
export function sessionUid(req: SenteRequest): string | number | null | undefined {
  const s = req.session as Record<string, unknown> | null | undefined;
  const uid = typeof s === 'object' && s !== null ? s['uid'] : undefined;
  return typeof uid === 'string' || typeof uid === 'number' ? uid : undefined;
}

export function normalizeUid(v: unknown): string {
  if (v === null || v === undefined || v === '') return NIL_UID;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw senteError('ERR_SENTE_BAD_UID', 'userId must return a string, a number, null or undefined');
}

export function checkUid(uid: unknown): string {
  if (uid === ALL_USERS_WITHOUT_UID) return NIL_UID;
  if (typeof uid === 'number' && Number.isFinite(uid)) return String(uid);
  if (typeof uid !== 'string' || uid.length === 0) {
    throw senteError('ERR_SENTE_BAD_UID', `Bad uid: expected a non-empty string, got ${uid === '' ? '""' : typeof uid}.`);
  }
  return uid;
}

/** Validates a server push and gives its wire form. */
export function checkPush(event: SenteEvent): WireEvent {
  const why = validateEvent(event);
  if (why !== undefined) throw senteError('ERR_SENTE_BAD_EVENT', `Bad event: ${why}.`);
  if (isReservedId(event[0])) throw senteError('ERR_SENTE_BAD_EVENT', `Bad event: "${event[0]}" is reserved by Sente.`);
  return toWireEvent(event);
}

const POSITION = /^([A-Za-z0-9_-]{1,64}):(\d{1,15})$/;

/** A client's position (`<epoch>:<offset>`); anything else reads as none, never as a crash or a replay of everything. */
export function readPosition(v: string | undefined): LogPosition | undefined {
  if (v === undefined) return undefined;
  const m = POSITION.exec(v);
  if (m === null) return undefined;
  const offset = Number(m[2]);
  return Number.isSafeInteger(offset) ? { epoch: m[1] as string, offset } : undefined;
}
