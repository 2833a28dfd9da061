/**
 * A Node program that talks to Sente servers over Ajax, one client per URL
 * given (`http:` or `https:`), each sending one request, then disconnects and
 * prints the replies as JSON. It never calls `process.exit()`: it must end by
 * itself, with no socket or timer of the client's left to keep it alive.
 */
import { createSenteClient } from '@sente/client';

const replies: unknown[] = [];
for (const url of process.argv.slice(2)) {
  const client = createSenteClient(url, null, { type: 'ajax', params: { uid: 'u1' }, onError: (e) => console.error(e) });
  replies.push(await client.request(['test/echo', new URL(url).protocol.slice(0, -1)], 5000));
  client.disconnect();
}
console.log(JSON.stringify(replies));
