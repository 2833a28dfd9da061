import { CHSK_CLOSED, CHSK_ERROR, CHSK_TIMEOUT } from './ids.js';
import { keywordName } from './keyword.js';
import type { CbErrorValue } from './ids.js';

/**
 * True when a reply callback got one of Sente's failure outcomes instead of a
 * reply: `chsk/closed`, `chsk/timeout` or `chsk/error` (as a string or keyword).
 */
export function isCbError(reply: unknown): reply is CbErrorValue {
  const n = keywordName(reply);
  return n === CHSK_CLOSED || n === CHSK_TIMEOUT || n === CHSK_ERROR;
}

/**
 * True when a reply callback got a real reply (see {@link isCbError}); it
 * narrows a typed reply to the reply (a `BadEventReply` included: see
 * `isBadEventReply`).
 */
export function isCbSuccess<R>(reply: R): reply is Exclude<R, CbErrorValue> {
  return !isCbError(reply);
}
