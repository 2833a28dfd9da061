import { asSenteError } from './errors.js';
import { handshakeEnvelope, positionedBatchEnvelope } from './envelope.js';
import { EXT_VERSION, MAX_POST_EVENTS, WIRE } from './ids.js';
import { readPosition } from './inbound.js';
import type { Packed } from './packer.js';
import type { LogEntry, LogPosition, PushLog } from './push-log.js';
import type { Hub } from './hub.js';
import type { ClientConn } from './client-conn.js';

/**
 * The fields a client of the extensions finds in its handshake: the version,
 * the server's limits, what it takes (`acks`: a client's `a`, see
 * `EnvelopeExt`), and the position of the uid's push log.
 */
export function handshakeExt(hub: Hub, top: LogPosition, extra?: () => Readonly<Record<string, unknown>>): Record<string, unknown> {
  return { v: EXT_VERSION, maxPayloadBytes: hub.opts.maxPayloadBytes, maxPostEvents: MAX_POST_EVENTS, acks: true, epoch: top.epoch, offset: top.offset, ...extra?.() };
}

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

/**
 * The handshake of `client` (Sente's, `plain`, for a Sente client). A client
 * of this library's extensions gets them, and the position of its uid's push
 * log; when it gave the position it had, what it missed since takes the place
 * of its queue, and the handshake says whether the log covered the gap. Runs
 * as the channel opens, so that no push falls between the replay and the queue.
 * `extra` (more handshake fields) is asked for a client of the extensions only.
 */
export function greet(hub: Hub, log: PushLog, client: ClientConn, plain: Packed, data: unknown, extra?: () => Readonly<Record<string, unknown>>): Packed {
  if (!client.ext) {
    hub.metrics.handshake(client.transport, undefined);
    return plain;
  }
  const top = log.open(client.uid);
  const ext = handshakeExt(hub, top, extra);
  const since = readPosition(client.request.query[WIRE.position]);
  if (since !== undefined) {
    const r = log.recover(client.uid, since, client.clientId);
    client.recover(r.recovered ? packReplay(hub, r.entries, r.top.epoch, client) : []);
    ext['recovered'] = r.recovered;
    hub.metrics.replay(r.recovered);
  }
  hub.metrics.handshake(client.transport, ext['recovered'] as boolean | undefined);
  return hub.packer.pack(handshakeEnvelope(client.uid, data, ext));
}
