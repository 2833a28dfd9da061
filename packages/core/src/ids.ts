// Each id alone too, so that a bundle that needs a few (a browser client's) leaves the table out.
export const CHSK_HANDSHAKE = 'chsk/handshake';
export const CHSK_STATE = 'chsk/state';
export const CHSK_RECV = 'chsk/recv';
export const CHSK_WS_PING = 'chsk/ws-ping';
export const CHSK_WS_PONG = 'chsk/ws-pong';
export const CHSK_UIDPORT_OPEN = 'chsk/uidport-open';
export const CHSK_UIDPORT_CLOSE = 'chsk/uidport-close';
export const CHSK_BAD_EVENT = 'chsk/bad-event';
export const CHSK_TIMEOUT = 'chsk/timeout';
export const CHSK_CLOSED = 'chsk/closed';
export const CHSK_ERROR = 'chsk/error';
export const CHSK_DUMMY_CB_200 = 'chsk/dummy-cb-200';
export const CHSK_CLOSE = 'chsk/close';
export const CHSK_REFRESH = 'chsk/refresh';

/**
 * The reserved event ids and values of Sente's protocol (sente-protocol §3.11),
 * as strings. On the wire they are keywords; see {@link Keyword}.
 */
export const CHSK = {
  handshake: CHSK_HANDSHAKE,
  state: CHSK_STATE,
  recv: CHSK_RECV,
  wsPing: CHSK_WS_PING,
  wsPong: CHSK_WS_PONG,
  uidportOpen: CHSK_UIDPORT_OPEN,
  uidportClose: CHSK_UIDPORT_CLOSE,
  badEvent: CHSK_BAD_EVENT,
  timeout: CHSK_TIMEOUT,
  closed: CHSK_CLOSED,
  error: CHSK_ERROR,
  dummyCb200: CHSK_DUMMY_CB_200,
  close: CHSK_CLOSE,
  /** A client of the extensions hands fresh credentials on its open connection (see the protocol reference). */
  refresh: CHSK_REFRESH,
} as const;

/** The uid of a connection whose user-id function gave none. */
export const NIL_UID = 'sente/nil-uid';
/** The `send` target that reaches every connection with {@link NIL_UID}. */
export const ALL_USERS_WITHOUT_UID = 'sente/all-users-without-uid';
/** Returned by a `csrfToken` function to skip the CSRF check for a request. */
export const SKIP_CSRF_CHECK = 'sente/skip-CSRF-check';
/** The reply content of a server's answer to a client ping. */
export const PONG = 'pong';
/** The cb-id slot of an Ajax POST that wants a reply (Sente 1.21+). */
export const AJAX_CB_MARKER = 'ajax';

// The names both transports send, alone too (a browser client's bundle leaves the table out).
export const WIRE_CLIENT_ID = 'client-id';
export const WIRE_CSRF_TOKEN = 'csrf-token';
export const WIRE_EXT = 'sente-ext';
export const WIRE_POSITION = 'sente-pos';

/** The names Sente's requests carry on the wire (sente-protocol §3.2). */
export const WIRE = {
  /** Query (WebSocket, Ajax GET, binary POST) or form field (text POST): the client id. */
  clientId: WIRE_CLIENT_ID,
  /** Query parameter with the CSRF token (the WebSocket upgrade). */
  csrfToken: WIRE_CSRF_TOKEN,
  /** Header with the CSRF token (Ajax). */
  csrfHeader: 'X-CSRF-Token',
  /** Cache-buster: the client's time in ms. */
  udt: 'udt',
  /** Query parameter of an Ajax GET that asks for a handshake. */
  handshake: 'handshake?',
  /** Query parameter of a POST whose body is the raw packed bytes. */
  binary: 'binary?',
  /** Form field of a text POST with the packed payload. */
  ppstr: 'ppstr',
  /** Content type of a text POST. */
  formContentType: 'application/x-www-form-urlencoded;charset=UTF-8',
  /** Content type of a binary POST. */
  binaryContentType: 'application/octet-stream',
  /**
   * Query parameter by which a client asks for this library's extensions to
   * Sente's protocol (value: {@link EXT_VERSION}). A client that does not send it
   * (every Clojure Sente client) gets Sente's wire, unchanged.
   */
  ext: WIRE_EXT,
  /**
   * Query parameter of a client of this library's extensions: the position
   * (`<epoch>:<offset>`) of the last push it handed to the app, so that the
   * server replays what it missed.
   */
  position: WIRE_POSITION,
} as const;

/** The version of the extensions a client asks for with {@link WIRE.ext}. */
export const EXT_VERSION = 1;

/**
 * The most events a client of the extensions may put in one Ajax POST (a
 * batch POST, `[[env1 env2 …] nil {b n}]`); the handshake says it as
 * `maxPostEvents`.
 */
export const MAX_POST_EVENTS = 32;

/** The callback outcomes that mean "no reply": see {@link isCbError}. */
export type CbErrorValue = typeof CHSK.closed | typeof CHSK.timeout | typeof CHSK.error;

/** {@link CLOSE_CODES}`.normal`, alone: a bundle that needs only it leaves the table out. */
export const CLOSE_NORMAL = 1000;
/** {@link CLOSE_CODES}`.unauthorized`, alone. */
export const CLOSE_UNAUTHORIZED = 4401;

/**
 * WebSocket close codes used by Sente. 1xxx are RFC 6455's; 4xxx are Sente's own.
 */
export const CLOSE_CODES = {
  /** A deliberate close (client disconnect, superseded socket). */
  normal: CLOSE_NORMAL,
  /** The server is shutting down. */
  goingAway: 1001,
  /** A frame that the packer could not unpack, or not a Sente envelope. */
  badPackage: 1007,
  /** A frame larger than `maxPayloadBytes`. */
  tooBig: 1009,
  /** The server is restarting or draining (RFC 6455 "Service Restart"): reconnect, after the reason's retry hint. */
  serviceRestart: 1012,
  /**
   * "Try again later" (RFC 6455): a client that reads too slowly for its send
   * buffer, or a server over a connection limit. The client reconnects (after
   * the reason's retry hint, if any) and catches up.
   */
  slowConsumer: 1013,
  /** No answer to a keep-alive ping within the ping timeout. */
  keepAliveTimeout: 4000,
  /** The server closed the user's connections (`closeUser`, `chsk/close`). */
  closedByServer: 4001,
  /** The client's `breakConnection()` default (Sente's `CLOSE_ABNORMAL`). */
  abnormal: 3000,
  /** The connection's credentials were refused or expired: terminal, the client does not retry blindly. */
  unauthorized: CLOSE_UNAUTHORIZED,
  /** Over a hard rate limit. */
  rateLimited: 4429,
} as const;
