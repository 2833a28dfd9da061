// A browser client for the guides' servers: it reads the page's CSRF token as
// their pages hand it over, and reports each transport's handshakes.
// `senteProbe(token)` connects again, e.g. with the token a login returned.
import { createSenteClient } from '@sente/client';

function senteProbe(token: string | null): void {
  for (const type of ['ws', 'ajax'] as const) {
    const client = createSenteClient('/chsk', token, { type });
    client.on('handshake', ({ uid }) => console.log('handshake', type, client.state.type, uid));
  }
}

Object.assign(globalThis, { senteProbe });
senteProbe(document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? null);
