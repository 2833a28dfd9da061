import { asSenteError } from './errors.js';
import { positionedBatchEnvelope } from './envelope.js';
import type { Packed } from './packer.js';
import type { LogEntry } from './push-log.js';
import type { Hub } from './hub.js';
import type { ClientConn } from './client-conn.js';

/** Events per replayed batch: a long gap goes out as several batches, in order. */
const REPLAY_BATCH = 256;

/** Packs what a client missed as positioned batches; an entry that cannot be packed is reported and skipped. */
export function packReplay(hub: Hub, entries: readonly LogEntry[], epoch: string, client: ClientConn): Packed[] {
  const out: Packed[] = [];
  for (let i = 0; i < entries.length; i += REPLAY_BATCH) {
    const chunk = entries.slice(i, i + REPLAY_BATCH);
    try {
      out.push(hub.packer.pack(positionedBatchEnvelope(chunk.map((e) => e.event), epoch, chunk.map((e) => e.offset))));
    } catch {
      for (const e of chunk) {
        try {
          out.push(hub.packer.pack(positionedBatchEnvelope([e.event], epoch, [e.offset])));
        } catch (err) {
          hub.report(asSenteError(err, 'ERR_SENTE_PACK_FAILED', `Cannot pack event ${String(e.event[0])}: not replayed`), client.context);
        }
      }
    }
  }
  return out;
}
