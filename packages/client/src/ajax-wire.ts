/**
 * The names only the Ajax transport sends (Sente's wire, `WIRE` in
 * `@sente/core`): a copy in fallback.ts, held equal to the core's by a test,
 * because the kit would otherwise carry the core's whole `WIRE` table into the
 * bundle every page loads (see lazy-ajax.ts).
 */
export const AJAX_WIRE = {
  /** Header with the CSRF token. */
  csrfHeader: 'X-CSRF-Token',
  /** Cache-buster: the client's time in ms. */
  udt: 'udt',
  /** Query parameter of a GET that asks for a handshake. */
  handshake: 'handshake?',
  /** Query parameter of a POST whose body is the raw packed bytes. */
  binary: 'binary?',
  /** Form field of a text POST with the packed payload. */
  ppstr: 'ppstr',
  /** Content type of a text POST. */
  formContentType: 'application/x-www-form-urlencoded;charset=UTF-8',
  /** Content type of a binary POST. */
  binaryContentType: 'application/octet-stream',
} as const;
