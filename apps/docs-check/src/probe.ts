// A browser client for the guides' servers: it reads the page's CSRF token as
// their pages hand it over, and reports each transport's handshakes.
// `senteProbe(token)` connects again, e.g. with the token a login returned:
// it disconnects the clients it made before, as an app reconnects its own
// (an Ajax client left running would keep the page's shared Ajax connection,
// see docs/guides/tabs.md).
import { createSenteClient } from '@sente/client';
import type { SenteClient } from '@sente/client';

let clients: SenteClient[] = [];

function senteProbe(token: string | null): void {
  for (const c of clients) c.disconnect();
  clients = [];
  for (const type of ['ws', 'ajax'] as const) {
    const client = createSenteClient('/chsk', token, { type });
    clients.push(client);
    client.on('handshake', ({ uid }) => console.log('handshake', type, client.state.type, uid));
  }
}

Object.assign(globalThis, { senteProbe });
senteProbe(document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? null);
