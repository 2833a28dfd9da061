import { CHSK } from './ids.js';
import { isSenteError, senteError } from './errors.js';
import { isReservedId } from './event.js';
import type { SenteError } from './errors.js';
import type { SenteEvent } from './event.js';

/**
 * A payload the packer could not unpack, as the protocol answers it whatever
 * the packer threw: `ERR_SENTE_BAD_PACKAGE` (400 on Ajax, 1007 on WebSocket).
 */
export function badPackage(e: unknown): SenteError {
  if (isSenteError(e) && e.code === 'ERR_SENTE_BAD_PACKAGE') return e;
  return senteError('ERR_SENTE_BAD_PACKAGE', 'Bad package', e);
}

/** A client's event as the routers see it: reserved or invalid ones become `chsk/bad-event`. */
export function clientEvent(ev: SenteEvent | undefined, raw: unknown): SenteEvent {
  if (ev === undefined || isReservedId(ev[0])) return [CHSK.badEvent, raw];
  return ev;
}
