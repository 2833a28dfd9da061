import { CHSK, batchEnvelope, decodeEnvelope, eventEnvelope, fromWireEvent, keywordName, kw, toWireEvent } from '@sente/core';
import type { DecodedEnvelope, Envelope, Packed, Packer, SenteEvent } from '@sente/core';

/**
 * The wire format of Sente 1.21 through one packer, as a protocol client
 * speaks it: envelopes to send, and what received payloads must equal.
 *
 * Expected values are compared in the packer's own data model: `canonical(v)`
 * is `v` packed and unpacked, so the same case checks exact frames for JSON
 * (keywords as names) and for packers with keywords, maps or bytes.
 */
export class Wire {
  constructor(readonly packer: Packer) {}

  /** `v` as any peer unpacks it: what a received payload must deep-equal. */
  canonical(v: unknown): unknown {
    return this.packer.unpack(this.packer.pack(v));
  }

  /** The payload of a client event, `[event cbId|nil]` (`cbId` `'ajax'` for the Ajax marker). */
  event(event: SenteEvent, cbId: string | null = null): Packed {
    return this.packer.pack(eventEnvelope(toWireEvent(event), cbId));
  }

  /** A payload with arbitrary content in the event slot (for bad events). */
  rawEvent(content: unknown, cbId: string | null = null): Packed {
    return this.packer.pack([content, cbId]);
  }

  /** Unpacks a payload that must be a Sente envelope. */
  decode(raw: Packed): DecodedEnvelope {
    const env = decodeEnvelope(this.packer.unpack(raw));
    if (env === undefined) throw new Error(`Not a Sente envelope: ${describe(raw)}`);
    return env;
  }

  /** The expected handshake envelope `[[chsk/handshake [uid nil data]] nil]`. */
  handshake(uid: string, data: unknown = null): unknown {
    const wireUid = uid === 'sente/nil-uid' ? kw(uid) : uid;
    return this.canonical([[kw(CHSK.handshake), [wireUid, null, data]], null]);
  }

  /** The expected push batch `[[ev1 ev2 …] nil]`. */
  batch(events: readonly SenteEvent[]): unknown {
    return this.canonical([events.map(toWireEvent), null]);
  }

  /** The expected envelope of a bare keyword (`chsk/timeout`, `chsk/ws-ping`, …) with `cbId`. */
  keyword(name: string, cbId: string | null = null): unknown {
    return this.canonical([kw(name), cbId]);
  }

  /** The expected reply envelope `[value cbId]`. */
  reply(value: unknown, cbId: string | null): unknown {
    return this.canonical([value, cbId] satisfies Envelope);
  }

  /** A push batch as the server packs it, `[[ev1 ev2 …] nil]`. */
  packedBatch(events: readonly SenteEvent[]): Packed {
    return this.packer.pack(batchEnvelope(events.map(toWireEvent)));
  }

  /** The events of a push batch payload, with string ids. */
  pushedEvents(raw: Packed): SenteEvent[] {
    const { content, cbId } = this.decode(raw);
    if (cbId !== null || !Array.isArray(content)) throw new Error(`Not a push batch: ${describe(raw)}`);
    return content.map((ev: unknown) => {
      const e = fromWireEvent(ev);
      if (e === undefined) throw new Error(`Not an event in a push batch: ${describe(raw)}`);
      return e;
    });
  }

  /** The event `[id data]` as a peer receives it (data in the packer's model). */
  received(event: SenteEvent): SenteEvent {
    return event.length === 1 ? [event[0]] : [event[0], this.canonical(event[1])];
  }

  /** True when the payload's content is the bare keyword `name`. */
  isKeyword(raw: Packed, name: string): boolean {
    const env = decodeEnvelope(this.packer.unpack(raw));
    return env !== undefined && keywordName(env.content) === name;
  }

  /** A payload this packer cannot unpack (garbage of its own kind: text or bytes). */
  malformed(): Packed {
    const candidates: Packed[] = this.packer.binary
      ? [Uint8Array.of(0xc1), Uint8Array.of(0xff, 0xfe, 0x00, 0x9f), Uint8Array.of(0xdc, 0xff, 0xff)]
      : ['{[not a payload', '\u0000]]', '#{{{'];
    for (const c of candidates) {
      try {
        this.packer.unpack(c);
      } catch {
        return c;
      }
    }
    throw new Error(`No malformed payload found for packer "${this.packer.name}".`);
  }
}

function describe(raw: Packed): string {
  return typeof raw === 'string' ? JSON.stringify(raw.slice(0, 200)) : `<${raw.byteLength} bytes>`;
}
