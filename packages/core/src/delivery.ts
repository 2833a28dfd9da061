import { asSenteError } from './errors.js';
import { batchEnvelope, positionedBatchEnvelope } from './envelope.js';
import { SendBuffers } from './send-buffer.js';
import { estimateBytes } from './push-log.js';
import type { WireEvent } from './event.js';
import type { Packed, TextParts } from './packer.js';
import type { Batch } from './send-buffer.js';
import type { PushLog } from './push-log.js';
import { ClientConn } from './client-conn.js';
import type { ClientTable, Transport } from './client-conn.js';
import type { Hub } from './hub.js';

/**
 * Where the server's pushes go, from `send`, `sendToClient` and `broadcast` to
 * the clients' queues. The seam of delivery: the default logs each push (for
 * replay), buffers it in Sente's batching windows and hands each batch, packed
 * once, to the uid's clients on this process, in push order. A backplane
 * (several processes) implements it too, or wraps this one.
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

/** The in-process {@link Delivery}: the push log, batching windows, packing once per batch, fan-out to queues. */
export class LocalDelivery implements Delivery {
  private readonly buffers: SendBuffers;
  // A broadcast pushes one event to every uid: its size is estimated once.
  private sized: WireEvent | undefined;
  private size = 0;
  /**
   * The last plain batch packed: a broadcast's batches (one per uid, the same
   * events in the same order, also when pushes bunch up in a window) are
   * packed once for all.
   */
  private last: { readonly events: readonly WireEvent[]; readonly packed: Packed } | undefined;
  /**
   * The last positioned batch's events packed alone (see `Packer.packAround`),
   * kept the same way, with the head of the text packed around them when the
   * packer splits it (see `Packer.packAroundHead`).
   */
  private lastEvents: { readonly events: readonly WireEvent[]; readonly packed: Packed; head: string | undefined } | undefined;

  constructor(
    private readonly hub: Hub,
    private readonly clients: ClientTable,
    private readonly log: PushLog,
  ) {
    this.buffers = new SendBuffers(hub.timers, { ws: hub.opts.sendBufMsWs, ajax: hub.opts.sendBufMsAjax }, (b) => this.fanOut(b));
  }

  get bufferedBatches(): number {
    return this.buffers.size;
  }

  push(uid: string, event: WireEvent, clientId?: string): void {
    this.hub.metrics.pushed();
    let offset: number | undefined;
    if (this.log.epochOf(uid) !== undefined) {
      if (this.sized !== event) {
        this.sized = event;
        this.size = estimateBytes(event);
      }
      offset = this.log.append(uid, event, clientId, this.size);
    }
    this.buffer(uid, event, clientId, offset);
  }

  /** Buffers a push another party logged (a backplane), at its `offset`, for this process's clients of `uid`. */
  deliver(uid: string, event: WireEvent, clientId: string | undefined, offset: number): void {
    this.hub.metrics.pushed();
    this.buffer(uid, event, clientId, offset);
  }

  /**
   * Buffers a push on each transport `uid` has clients on: no batch, no timer
   * for an offline user. A uid's batch is kept only while it has clients
   * there, so a uid with one is not looked up among the clients again.
   */
  private buffer(uid: string, event: WireEvent, clientId: string | undefined, offset: number | undefined): void {
    const buffers = this.buffers;
    const clients = this.clients;
    // A transport no client is on (Ajax, for a WebSocket app, most of the time) is not looked up for each uid.
    if (clients.anyOn('ws') && !buffers.add('ws', uid, event, clientId, offset) && clients.clientsOf('ws', uid)) buffers.open('ws', uid, event, clientId, offset);
    if (clients.anyOn('ajax') && !buffers.add('ajax', uid, event, clientId, offset) && clients.clientsOf('ajax', uid)) buffers.open('ajax', uid, event, clientId, offset);
  }

  flush(uid?: string): void {
    if (uid === undefined) return this.buffers.takeAll();
    this.buffers.take('ws', uid);
    this.buffers.take('ajax', uid);
  }

  forget(uid: string, transport: Transport): void {
    this.buffers.drop(transport, uid);
  }

  private fanOut(batch: Batch): void {
    const clients = this.clients.clientsOf(batch.transport, batch.uid);
    if (clients === undefined) return;
    const epoch = batch.offsets === undefined ? undefined : this.log.epochOf(batch.uid);
    // The common case, a uid's only client: no list to go through.
    if (clients instanceof ClientConn) return void this.toClient(batch, clients, epoch, undefined);
    // One payload per kind of client: plain Sente, or positioned (this library's clients), packed once for all.
    const packed: (Packed | Split | null)[] = [];
    for (const client of clients.values()) this.toClient(batch, client, epoch, packed);
  }

  /** Hands `client` its part of `batch`; `packed[0]` and `packed[1]` keep the plain and the positioned payloads for the uid's next clients. */
  private toClient(batch: Batch, client: ClientConn, epoch: string | undefined, packed: (Packed | Split | null)[] | undefined): void {
    const only = batch.only;
    const ext = client.ext && epoch !== undefined;
    let payload: Packed | Split | null;
    if (only !== undefined && only.includes(client.clientId)) {
      payload = this.pack(batch, (i) => only[i] === undefined || only[i] === client.clientId, ext ? epoch : undefined, client);
    } else {
      const kind = ext ? 1 : 0;
      const known = packed?.[kind];
      payload = known !== undefined ? known : this.pack(batch, only === undefined ? KEEP_ALL : (i) => only[i] === undefined, ext ? epoch : undefined, client);
      if (packed !== undefined) packed[kind] = payload;
    }
    if (payload === null) return;
    this.hub.metrics.batchSent(batch.transport, batch.events.length);
    if (payload instanceof Split) client.push(payload.text, payload);
    else client.push(payload);
  }

  /** Packs the events of a batch that `keep` keeps, once; events that cannot be packed are dropped and reported. */
  private pack(batch: Batch, keep: (i: number) => boolean, epoch: string | undefined, client: ClientConn): Packed | Split | null {
    if (batch.only === undefined && epoch === undefined) {
      const last = this.last;
      if (last !== undefined && sameEvents(last.events, batch.events)) return last.packed;
      const packed = this.packBatch(batch, keep, epoch, client);
      // A batch's events do not change once it is flushed: it is safe to keep, if small (it stays until the next one).
      this.last = packed !== null && packedSize(packed) <= KEEP_PACKED_BYTES ? { events: batch.events, packed } : undefined;
      return packed;
    }
    if (batch.only === undefined && epoch !== undefined) {
      const packer = this.hub.packer;
      const around = packer.packAround;
      const events = around === undefined ? undefined : this.packedEvents(batch.events);
      if (around !== undefined && events !== undefined) {
        const rest = [null, { e: epoch, o: batch.offsets ?? [] }];
        try {
          if (typeof events.packed === 'string' && packer.packAroundHead !== undefined && packer.packAroundTail !== undefined) {
            return new Split((events.head ??= packer.packAroundHead(events.packed)), packer.packAroundTail(rest));
          }
          return around.call(packer, events.packed, rest);
        } catch {
          // Packed whole below, where a failure is reported.
        }
      }
    }
    return this.packBatch(batch, keep, epoch, client);
  }

  /** The events of a batch packed alone, once for a broadcast's uids; `undefined` when they do not pack (each is then tried alone). */
  private packedEvents(events: readonly WireEvent[]): { readonly packed: Packed; head: string | undefined } | undefined {
    const last = this.lastEvents;
    if (last !== undefined && sameEvents(last.events, events)) return last;
    let packed: Packed;
    try {
      packed = this.hub.packer.pack(events);
    } catch {
      return undefined;
    }
    const packedEvents = { events, packed, head: undefined };
    this.lastEvents = packedSize(packed) <= KEEP_PACKED_BYTES ? packedEvents : undefined;
    return packedEvents;
  }

  private packBatch(batch: Batch, keep: (i: number) => boolean, epoch: string | undefined, client: ClientConn): Packed | null {
    let events: WireEvent[];
    let offsets: (number | null)[];
    if (batch.only === undefined) {
      // The common case: every event, as buffered, nothing copied.
      events = batch.events;
      offsets = batch.offsets ?? [];
    } else {
      events = [];
      offsets = [];
      for (let i = 0; i < batch.events.length; i++) {
        if (!keep(i)) continue;
        events.push(batch.events[i] as WireEvent);
        offsets.push(batch.offsets?.[i] ?? null);
      }
    }
    if (events.length === 0) return null;
    const envelope = (): unknown => (epoch === undefined ? batchEnvelope(events) : positionedBatchEnvelope(events, epoch, offsets));
    const packer = this.hub.packer;
    try {
      return packer.pack(envelope());
    } catch {
      const ok = events.map((ev) => {
        try {
          packer.pack(ev);
          return true;
        } catch (e) {
          this.hub.report(asSenteError(e, 'ERR_SENTE_PACK_FAILED', `Cannot pack event ${String(ev[0])}: dropped`), client.context);
          return false;
        }
      });
      events = events.filter((_, i) => ok[i]);
      offsets = offsets.filter((_, i) => ok[i]);
      if (events.length === 0) return null;
      try {
        return packer.pack(envelope());
      } catch (e) {
        // Every event packs alone but not together (a packer with a size limit): this runs
        // in a timer, so a throw would escape to the host; the batch is dropped and reported.
        this.hub.report(asSenteError(e, 'ERR_SENTE_PACK_FAILED', `Cannot pack a batch of ${events.length} events: dropped`), client.context);
        return null;
      }
    }
  }
}

/**
 * The largest packed batch kept for the next uid's batch of the same events:
 * what a broadcast is, with room to spare. A bigger one is packed per uid,
 * so that no large payload stays in memory after it went out.
 */
const KEEP_PACKED_BYTES = 64 * 1024;

function packedSize(p: Packed): number {
  return typeof p === 'string' ? p.length : p.byteLength;
}

/** A positioned batch's text, whole and in its two parts: a broadcast's head, shared by its uids, and this uid's tail. */
class Split implements TextParts {
  readonly text: string;

  constructor(
    readonly head: string,
    readonly tail: string,
  ) {
    this.text = head + tail;
  }
}

/** Keeps every event of a batch. */
const KEEP_ALL = (): boolean => true;

/** True when `a` and `b` hold the same events (the same objects) in the same order. */
function sameEvents(a: readonly WireEvent[], b: readonly WireEvent[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
