import { SenteError } from '@sente/core';
import { createClient } from './client.js';
import { resolveOptions } from './options.js';
import type { SenteClientOptions } from './options.js';
import { sharing, tabKit } from './share.js';
import { tabGroup } from './tabs.js';
import { lead } from './tab-leader.js';
import { chskUrls } from './urls.js';

/**
 * Holds the connection a browser's tabs share, from a SharedWorker (the
 * `sharedWorker` option): call it in the worker's script with the path and
 * options the pages give `createSenteClient`. The worker leads the tabs'
 * group for as long as it lives, so that no tab's closing moves the
 * connection. The app builds the script (with its packer) and serves it
 * from the pages' origin. Returns the function that stops it.
 * @example
 * ```ts
 * // sente-worker.ts, bundled and served as /sente-worker.js
 * import { serveSharedConnection } from '@sente/client';
 * serveSharedConnection('/chsk', { type: 'ajax' });
 * ```
 */
export function serveSharedConnection(path: string, options: SenteClientOptions = {}): () => void {
  const opts = resolveOptions(options);
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  const url = chskUrls(path, typeof base === 'string' ? base : undefined).ajax;
  const found = sharing(opts);
  if (found === undefined) {
    throw new SenteError('ERR_SENTE_BAD_OPTION', 'serveSharedConnection needs Web Locks, BroadcastChannel, and shareAcrossTabs for this type.');
  }
  const group = tabGroup(found, opts, url, (csrf, o, hooks) => createClient(url, csrf, o, hooks), tabKit);
  const abort = new AbortController();
  let stop: (() => void) | undefined;
  group.locks
    .request(group.name, { signal: abort.signal }, () =>
      new Promise<void>((release) => {
        // The worker has no position and no token of its own: it takes the tabs'.
        const hub = lead({ clock: opts.clock, packer: opts.packer, position: () => undefined, csrfToken: () => undefined }, group, opts.clientId, undefined);
        stop = () => {
          hub.stop();
          release();
        };
      }),
    )
    .catch(() => {});
  return () => {
    abort.abort();
    stop?.();
  };
}
