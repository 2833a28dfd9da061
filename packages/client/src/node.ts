/**
 * The client on Node (the package's `"node"` export condition): the same API
 * as index.ts, whose Ajax goes over `node:http`/`node:https` with keep-alive
 * agents of each client's own unless the app passes `fetch` (see
 * node-fetch.ts), and whose `ws` sockets write a tick's frames at once (see
 * node-ws.ts). Browsers and their bundles get index.ts, without any of it.
 */
import { createSenteClient as createClient } from './client.js';
import { createNodeFetch } from './node-fetch.js';
import { nodeWebSocket } from './node-ws.js';

export * from './index.js';

/**
 * Creates a Sente client for the channel socket at `url` and connects it. On
 * Node its Ajax requests go over `node:http`/`node:https`, at most 6
 * sockets to the server, kept alive; pass `fetch` (e.g. `globalThis.fetch`)
 * to use that instead. With `ws`'s `WebSocket`, the frames sent in one tick
 * leave in one write to its TCP socket.
 *
 * @example
 * ```ts
 * import { createSenteClient } from '@sente/client';
 * const client = createSenteClient('http://127.0.0.1:3000/chsk', null, { type: 'ajax' });
 * const reply = await client.request(['chat/hello', { text: 'hi' }], 5000);
 * ```
 */
export const createSenteClient: typeof createClient = (url, csrfToken, options = {}) =>
  createClient(url, csrfToken, {
    ...options,
    fetch: options.fetch ?? createNodeFetch(),
    WebSocket: options.WebSocket && nodeWebSocket(options.WebSocket),
  });
