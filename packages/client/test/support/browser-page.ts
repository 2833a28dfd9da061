/**
 * The page script of the browser test: a client with the page's defaults
 * (global WebSocket and fetch, path relative to the page), driven from the test
 * through `window.sente`. Query params tune it: `upgrade` (upgradeBackoffMs),
 * `early` (wsEarlyDeathMs), `backoff` (a constant backoffMs), `kalive` (wsKaliveMs),
 * `type`, `share` (shareAcrossTabs: `true`, `false` or `ajax`), `worker` (sharedWorker).
 */
import { createSenteClient } from '@sente/client';
import type { ClientState, SenteClientOptions, SenteEvent } from '@sente/client';

const q = new URLSearchParams(location.search);
const num = (name: string): number | undefined => (q.has(name) ? Number(q.get(name)) : undefined);
const options: SenteClientOptions = { params: { uid: q.get('uid') } };
const upgrade = num('upgrade');
if (upgrade !== undefined) options.upgradeBackoffMs = () => upgrade;
const backoff = num('backoff');
if (backoff !== undefined) options.backoffMs = () => backoff;
options.wsEarlyDeathMs = num('early');
options.wsKaliveMs = num('kalive');
const type = q.get('type');
if (type === 'ajax' || type === 'ws' || type === 'auto') options.type = type;
const share = q.get('share');
if (share !== null) options.shareAcrossTabs = share === 'ajax' ? 'ajax' : share === 'true';
options.sharedWorker = q.get('worker') ?? undefined;

const client = createSenteClient('/chsk', null, options);
const pushes: SenteEvent[] = [];
const opens: string[] = [];
const closes: string[] = [];
const handshakes: string[] = [];
client.on('handshake', (h) => handshakes.push(h.uid));
client.on('event', (e) => pushes.push(e));
client.on('state', (c) => {
  if (c.opened) opens.push(c.new.type);
  if (c.closed) closes.push(c.new.lastClose?.reason ?? '?');
});

declare global {
  interface Window {
    sente: {
      state(): ClientState;
      opens: string[];
      closes: string[];
      pushes: SenteEvent[];
      request(event: SenteEvent, timeoutMs: number): Promise<unknown>;
      send(event: SenteEvent): boolean;
      reconnect(): void;
      breakConnection(): void;
      clientId(): string;
      handshakes: string[];
    };
  }
}

window.sente = {
  state: () => client.state,
  opens,
  closes,
  pushes,
  request: (event, timeoutMs) => client.request(event, timeoutMs),
  send: (event) => client.send(event),
  reconnect: () => client.reconnect(),
  breakConnection: () => client.breakConnection(),
  clientId: () => client.clientId,
  handshakes,
};
