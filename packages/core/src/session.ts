import type { Packed, TextParts } from './packer.js';

/**
 * One channel of a client: a WebSocket, or a parked long-poll. A session owns
 * its timers, which die with it; the client it belongs to hears of its end.
 */
export interface Session {
  /**
   * Sends a packed batch; false when the session cannot take it now (ended,
   * or its socket's buffer is full): the client keeps it, in order.
   * A long-poll's write answers the poll and ends the session. `parts`:
   * the same text in two parts, for the adapter (see {@link TextParts}).
   */
  write(payload: Packed, parts?: TextParts): boolean;
  /**
   * Ends the session from the server's side: a WebSocket closes with `code`;
   * a parked poll is answered (empty for `closeUser`, `chsk/timeout` otherwise).
   */
  end(code: number, reason: string): void;
}
