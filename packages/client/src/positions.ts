import type { HandshakeExt } from '@sente/core';

/**
 * Where the client is in its uid's push log (issue 8): the position of the
 * last push it handed to the app, given back on every reconnect so that the
 * server replays what it missed.
 */
export interface Positions {
  /** `<epoch>:<offset>` for the `sente-pos` query parameter; `undefined` before a positioned handshake. */
  query(): string | undefined;
  /** Takes a handshake's extensions (`undefined` from a server that sends no positions). */
  handshake(ext: HandshakeExt | undefined): void;
  /** True when a pushed event at `epoch`/`offset` is new: deliver it (the position moves to it). */
  admit(epoch: string | undefined, offset: number | null | undefined): boolean;
  /** A credential refresh moved the connection to another uid: its log's position. */
  moved(epoch: unknown, offset: unknown): void;
}

/** Creates a client's {@link Positions}, starting at `from` (`<epoch>:<offset>`, a shared connection's hand-over) or nowhere. */
export function createPositions(from?: string): Positions {
  const at = from === undefined ? -1 : from.lastIndexOf(':');
  let epoch: string | undefined = at > 0 ? from?.slice(0, at) : undefined;
  let offset = at > 0 ? Number(from?.slice(at + 1)) || 0 : 0;
  return {
    query: () => (epoch === undefined ? undefined : `${epoch}:${offset}`),
    handshake(ext) {
      const e = ext?.['epoch'];
      const o = ext?.['offset'];
      if (typeof e !== 'string' || typeof o !== 'number') {
        epoch = undefined;
        return;
      }
      // recovered: the server replays what follows our position: keep it.
      if (ext?.['recovered'] === true && epoch !== undefined) return;
      // Otherwise adopt the log's position, never moving back within one epoch:
      // a re-upgrade's handshake may be older than what Ajax delivered since.
      if (e !== epoch || o > offset) offset = o;
      epoch = e;
    },
    moved(e, o) {
      epoch = typeof e === 'string' && typeof o === 'number' ? ((offset = o), e) : undefined;
    },
    admit(e, o) {
      // Not logged (or no positions): always delivered.
      if (o === null || o === undefined || e === undefined) return true;
      // A replay, or a re-upgrade's second copy: the app has it already.
      if (e === epoch && o <= offset) return false;
      epoch = e;
      offset = o;
      return true;
    },
  };
}
