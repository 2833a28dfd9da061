import { RawAjaxClient, RawWsClient, Wire, delay } from '../conformance-clients.js';
import { CSRF_TOKEN, GOOD_ORIGIN } from '../server/protocol.js';
import type { ServerProcess } from '../server/child-process.js';

/**
 * Two users connect with the same client id; a push to that client id must
 * never reach the second user. Gives `isolated`, `refused` (the clash was
 * refused), or `leaked`.
 */
export async function sharedClientId(proc: ServerProcess, key: string, wire: Wire, transport: 'ws' | 'ajax', n: number): Promise<string> {
  const clientId = `shared-${transport}-${n}`;
  const secret = 'secret/for-alice';
  const opts = (uid: string) => ({ clientId, params: { uid }, csrfToken: CSRF_TOKEN, headers: { origin: GOOD_ORIGIN } });
  if (transport === 'ws') {
    const alice = await RawWsClient.open(proc.url(key), wire, opts(`alice-${n}`));
    let mallory: RawWsClient;
    try {
      mallory = await RawWsClient.open(proc.url(key), wire, opts(`mallory-${n}`));
    } catch {
      await alice.close();
      return 'refused';
    }
    await proc.send({ key, clientId, id: secret, count: 1, bytes: 8, flush: true });
    await delay(150);
    const leaked = mallory.frames.slice(1).some((f) => Buffer.from(f.raw).includes(secret));
    await Promise.all([alice.close(), mallory.close()]);
    return leaked ? 'leaked' : 'isolated';
  }
  const alice = new RawAjaxClient(proc.url(key), wire, opts(`alice-${n}`));
  const mallory = new RawAjaxClient(proc.url(key), wire, opts(`mallory-${n}`));
  await alice.handshake();
  const m = await mallory.get({ handshake: true });
  if (m.status !== 200) return 'refused';
  alice.startPolling();
  mallory.startPolling();
  await delay(50);
  await proc.send({ key, clientId, id: secret, count: 1, bytes: 8, flush: true });
  await delay(200);
  const leaked = mallory.batches.some((b) => b.some((ev) => ev[0] === secret));
  await Promise.all([alice.stopPolling(), mallory.stopPolling()]);
  return leaked ? 'leaked' : 'isolated';
}
