import type { ConnectedUids, TypedSenteServer } from '@sente/core';
import type { Chat, UsersView } from './contract.js';

/** The connected uids as the page shows them. */
export function usersView(uids: ConnectedUids): UsersView {
  return { ws: [...uids.ws].sort(), ajax: [...uids.ajax].sort(), any: [...uids.any].sort() };
}

/**
 * The chat's server side, the same on every adapter: say (broadcast, with a
 * reply), echo (reply), ping (an empty reply, for the page's round-trip
 * time), push to all of my tabs, and the live list of connected users.
 * Returns a function that stops it.
 */
export function installChat<Raw>(server: TypedSenteServer<Raw, Chat>): () => void {
  const router = server.startRouter(
    (msg) => {
      switch (msg.id) {
        case 'chat/say': {
          // The contract types what an honest page sends; this is what anyone may send.
          const text = String((msg.data as { text?: unknown } | undefined)?.text ?? '').slice(0, 500);
          server.broadcast(['chat/said', { from: msg.uid, text, at: Date.now() }]);
          msg.reply?.({ ok: true });
          return;
        }
        case 'example/ping':
          msg.reply?.(null);
          return;
        case 'example/echo':
          msg.reply?.({ echo: msg.data, uid: msg.uid, transport: msg.transport });
          return;
        case 'example/push-me':
          // Three pushes to every tab of this user, to show that they arrive in order.
          for (let n = 1; n <= 3; n++) server.send(msg.uid, ['example/pushed', { n, at: Date.now() }]);
          msg.reply?.({ ok: true });
          return;
        case 'example/users':
          msg.reply?.(usersView(server.connectedUids));
          return;
      }
    },
    { errorHandler: (e) => console.error('chat handler failed:', e) },
  );
  const unwatch = server.watchConnectedUids((uids) => server.broadcast(['example/users', usersView(uids)]));
  return () => {
    router.stop();
    unwatch();
  };
}
