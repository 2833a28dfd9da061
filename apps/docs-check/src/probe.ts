// A browser client for the guides' servers: it reads the page's CSRF token as
// their pages hand it over, and reports each transport's first handshake.
import { createSenteClient } from '@sente/client';

const token = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? null;

for (const type of ['ws', 'ajax'] as const) {
  const client = createSenteClient('/chsk', token, { type });
  client.on('handshake', ({ uid }) => console.log('handshake', type, client.state.type, uid));
}
