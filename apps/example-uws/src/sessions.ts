import { randomBytes } from 'node:crypto';

/** What the chat keeps per browser: Sente's defaults read `uid` and `csrfToken`. */
export interface ChatSession {
  uid?: string;
  readonly csrfToken: string;
}

const COOKIE = 'example.sid';

/**
 * A minimal in-memory session store keyed by an unguessable cookie, since
 * uWebSockets.js has no session middleware. (A real app would use its own
 * store; Sente only needs a `session(req)` lookup.)
 */
export class Sessions {
  private readonly byId = new Map<string, ChatSession>();

  /** The session of a `Cookie` header, if any. */
  get(cookieHeader: string | undefined): ChatSession | undefined {
    const sid = new RegExp(`(?:^|;\\s*)${COOKIE.replace('.', '\\.')}=([A-Za-z0-9_-]+)`).exec(cookieHeader ?? '')?.[1];
    return sid === undefined ? undefined : this.byId.get(sid);
  }

  /** A new session with a fresh CSRF token, and the `Set-Cookie` value that selects it. */
  create(uid?: string): { session: ChatSession; setCookie: string } {
    const sid = randomBytes(24).toString('base64url');
    const session: ChatSession = { csrfToken: randomBytes(24).toString('base64url'), ...(uid ? { uid } : {}) };
    this.byId.set(sid, session);
    return { session, setCookie: `${COOKIE}=${sid}; Path=/; HttpOnly; SameSite=Lax` };
  }

  /** Forgets the session of a `Cookie` header (login rotates it). */
  drop(cookieHeader: string | undefined): void {
    const sid = new RegExp(`(?:^|;\\s*)${COOKIE.replace('.', '\\.')}=([A-Za-z0-9_-]+)`).exec(cookieHeader ?? '')?.[1];
    if (sid !== undefined) this.byId.delete(sid);
  }
}
