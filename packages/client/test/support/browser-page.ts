/**
 * The page script of the browser test: a client with the page's defaults
 * (global WebSocket and fetch, path relative to the page), driven from the test
 * through `window.sente`.
 */
import { createSenteClient } from '@sente/client';
import type { ClientState, SenteEvent } from '@sente/client';

const uid = new URLSearchParams(location.search).get('uid');
const client = createSenteClient('/chsk', null, { params: { uid } });
const pushes: SenteEvent[] = [];
const opens: string[] = [];
client.on('event', (e) => pushes.push(e));
client.on('state', (c) => {
  if (c.opened) opens.push(c.new.type);
});

declare global {
  interface Window {
    sente: {
      state(): ClientState;
      opens: string[];
      pushes: SenteEvent[];
      request(event: SenteEvent, timeoutMs: number): Promise<unknown>;
    };
  }
}

window.sente = {
  state: () => client.state,
  opens,
  pushes,
  request: (event, timeoutMs) => client.request(event, timeoutMs),
};
