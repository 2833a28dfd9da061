import type { SenteError } from './errors.js';
import type { ErrorContext } from './options.js';

/** What to check first, for the problems a misconfiguration causes. */
const LOG_HINTS: Partial<Record<SenteError['code'], string>> = {
  ERR_SENTE_BAD_PACKAGE: 'do the client and the server use the same packer?',
  ERR_SENTE_BAD_CSRF: 'does the client send the CSRF token of the session (the csrfToken option)?',
  ERR_SENTE_BAD_ORIGIN: 'is the page origin in allowedOrigins?',
  ERR_SENTE_NO_CLIENT_ID: 'is this a Sente client on the right path?',
  ERR_SENTE_HOOK_FAILED: 'a hook or handler threw; see error.cause',
};

/**
 * The server's error reporter: the app's `onError`, shielded (a reporter that
 * throws must not take the server down with it); without one, each kind of
 * problem is logged once, with a hint, so that a misconfiguration is not silent.
 */
export function createReporter(onError: ((error: SenteError, context: ErrorContext) => void) | undefined): (error: SenteError, context: ErrorContext) => void {
  if (onError !== undefined) {
    return (error, context) => {
      try {
        onError(error, context);
      } catch {
        // Swallowed: see above.
      }
    };
  }
  const logged = new Set<string>();
  return (error) => {
    if (logged.has(error.code)) return;
    logged.add(error.code);
    const hint = LOG_HINTS[error.code];
    console.warn(`[sente] ${error.code}: ${error.message}${hint === undefined ? '' : ` (${hint})`}. Further ${error.code} are not logged; pass onError to see every one.`);
  };
}
