import { senteError } from './errors.js';
import { SenteServer } from './server.js';
import type { Packer } from './packer.js';
import type { SenteServerOptions } from './options.js';
import type { SenteContract } from './contract.js';

/** The options every adapter takes: the server's, with a default packer, plus the path. */
export type MountOptions<Raw, C extends SenteContract = SenteContract> = Omit<SenteServerOptions<Raw, C>, 'packer'> & {
  /** Must match the clients' packer. @default json (from @sente/packer-json) */
  packer?: Packer | undefined;
  /** The one path of the Ajax GET/POST and the WebSocket upgrade. @default '/chsk' */
  path?: string | undefined;
};

/** A server mounted on a path, with the things to undo when it closes. */
export interface Mount<Raw> {
  readonly server: SenteServer<Raw>;
  readonly path: string;
  /** True when a request URL (path and query) is for Sente's path. */
  matches(url: string | undefined): boolean;
  /** Registers something to undo after the server closed (a listener, a socket server). */
  onClose(undo: () => void): void;
  /** Closes the server gracefully, then undoes what was registered. */
  close(): Promise<void>;
}

/**
 * Creates an adapter's server: the path checked, the packer defaulted. The
 * options are the adapter's, less its own.
 * @throws {SenteError} `ERR_SENTE_BAD_OPTION` for a bad path or server option.
 */
export function mountSente<Raw, C extends SenteContract = SenteContract>(options: MountOptions<Raw, C>, defaultPacker: Packer): Mount<Raw> {
  const { path = '/chsk', packer = defaultPacker, ...rest } = options;
  if (typeof path !== 'string' || !path.startsWith('/')) throw senteError('ERR_SENTE_BAD_OPTION', 'Option "path" must start with "/".');
  const server = new SenteServer<Raw>({ ...rest, packer });
  const undo: (() => void)[] = [];
  return {
    server,
    path,
    matches: (url) => isPath(url, path),
    onClose: (fn) => void undo.push(fn),
    async close() {
      await server.close();
      for (const fn of undo.splice(0)) fn();
    },
  };
}

/** True when a request URL (path and query) is for `path`; without slicing, as this runs on every request an app gets. */
function isPath(url: string | undefined, path: string): boolean {
  if (url === undefined) return path === '/';
  return url.startsWith(path) && (url.length === path.length || url.charCodeAt(path.length) === 63 /* ? */);
}

/** The path of a request URL, without its query. */
export function requestPath(url: string | undefined): string {
  if (url === undefined) return '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** The query string of a request URL, without the `?`. */
export function requestSearch(url: string | undefined): string {
  if (url === undefined) return '';
  const q = url.indexOf('?');
  return q === -1 ? '' : url.slice(q + 1);
}
