import { asSenteError } from './errors.js';
import { batchEnvelope } from './envelope.js';
import { SendBuffers } from './send-buffer.js';
import type { WireEvent } from './event.js';
import type { Packed } from './packer.js';
import type { Batch } from './send-buffer.js';
import type { ClientConn, ClientTable, Transport } from './client-conn.js';
import type { Hub } from './hub.js';

/**
 * Where the server's pushes go, from `send`, `sendToClient` and `broadcast` to
 * the clients' queues. The seam of delivery: the default buffers pushes in
 * Sente's batching windows and hands each batch, packed once, to the uid's
 * clients on this process, in push order. A push log (positions and replay) or
 * a backplane (several processes) implements it too, or wraps this one.
 */
export interface Delivery {
  /** Pushes `event` to every client of `uid`, or only to the client `clientId` of it. */
  push(uid: string, event: WireEvent, clientId?: string): void;
  /** Sends what is buffered for `uid` (for every uid when omitted) now. */
  flush(uid?: string): void;
  /** `uid` has no client left on `transport`: what is buffered for it there goes. */
  forget(uid: string, transport: Transport): void;
  /** Push batches in their batching window. */
  readonly bufferedBatches: number;
}

/** The in-process {@link Delivery}: batching windows, packing once per batch, fan-out to queues. */
export class LocalDelivery implements Delivery {
  private readonly buffers: SendBuffers;

  constructor(
    private readonly hub: Hub,
    private readonly clients: ClientTable,
  ) {
    this.buffers = new SendBuffers(hub.timers, { ws: hub.opts.sendBufMsWs, ajax: hub.opts.sendBufMsAjax }, (t, uid, b) =>
      this.fanOut(t, uid, b),
    );
  }

  get bufferedBatches(): number {
    return this.buffers.size;
  }

  push(uid: string, event: WireEvent, clientId?: string): void {
    // Only transports the uid has clients on get a batch: no timer for an offline user.
    if (this.clients.clientsOf('ws', uid)) this.buffers.push('ws', uid, event, clientId);
    if (this.clients.clientsOf('ajax', uid)) this.buffers.push('ajax', uid, event, clientId);
  }

  flush(uid?: string): void {
    if (uid === undefined) return this.buffers.takeAll();
    this.buffers.take('ws', uid);
    this.buffers.take('ajax', uid);
  }

  forget(uid: string, transport: Transport): void {
    this.buffers.drop(transport, uid);
  }

  private fanOut(transport: Transport, uid: string, batch: Batch): void {
    const clients = this.clients.clientsOf(transport, uid);
    if (clients === undefined) return;
    const only = batch.only;
    let common: Packed | null | undefined;
    for (const client of clients.values()) {
      let payload: Packed | null;
      if (only === undefined || !only.includes(client.clientId)) {
        common ??= this.pack(only === undefined ? batch.events : batch.events.filter((_, i) => only[i] === undefined), client);
        payload = common;
      } else {
        payload = this.pack(batch.events.filter((_, i) => only[i] === undefined || only[i] === client.clientId), client);
      }
      if (payload !== null) client.push(payload);
    }
  }

  /** Packs a batch once; events that cannot be packed are dropped and reported, the rest go. */
  private pack(events: readonly WireEvent[], client: ClientConn): Packed | null {
    if (events.length === 0) return null;
    const packer = this.hub.packer;
    try {
      return packer.pack(batchEnvelope(events));
    } catch {
      const ok = events.filter((ev) => {
        try {
          packer.pack(ev);
          return true;
        } catch (e) {
          this.hub.report(asSenteError(e, 'ERR_SENTE_PACK_FAILED', `Cannot pack event ${String(ev[0])}: dropped`), client.context);
          return false;
        }
      });
      if (ok.length === 0) return null;
      try {
        return packer.pack(batchEnvelope(ok));
      } catch (e) {
        // Every event packs alone but not together (a packer with a size limit): this runs
        // in a timer, so a throw would escape to the host; the batch is dropped and reported.
        this.hub.report(asSenteError(e, 'ERR_SENTE_PACK_FAILED', `Cannot pack a batch of ${ok.length} events: dropped`), client.context);
        return null;
      }
    }
  }
}
