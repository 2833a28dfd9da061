import { WebSocket } from 'ws';
import { GOOD_ORIGIN } from '../server/protocol.js';

/**
 * `ws` as a browser's WebSocket behaves: it sends the page's `Origin` on the
 * upgrade (which `@sente/client` cannot set, as browsers do not let it).
 */
export class BrowserLikeWebSocket extends WebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols, { headers: { origin: GOOD_ORIGIN } });
  }
}
