import { describe, expect, it } from 'vitest';
import {
  Keyword,
  batchEnvelope,
  decodeEnvelope,
  envelopes,
  eventEnvelope,
  fromWireEvent,
  handshakeEnvelope,
  isSenteError,
  NIL_UID,
  pongEnvelope,
  replyEnvelope,
} from '@sente/core';
import type { Envelope, Packed, Packer, SenteErrorCode } from '@sente/core';
import { keywordsAsNames, nestedArrays, packerCorpus, seededRandom } from './packer-values.js';
import type { PackerValueKinds } from './packer-values.js';
import { senteWireVectors } from './packer-vectors.js';
import type { VectorMode } from './packer-vectors.js';

/** A named payload the packer must refuse. */
export interface MalformedPayload {
  readonly name: string;
  readonly data: Packed;
}

/** A named value the packer must refuse to pack. */
export interface UnsupportedValue {
  readonly name: string;
  readonly value: unknown;
}

/** What {@link runPackerConformance} may expect of a packer, beyond the rules every packer follows. */
export interface PackerConformanceOptions extends PackerValueKinds {
  /** The suite's title. @default packer.name */
  name?: string;
  /** How an empty payload reads: refused, or as `null` (Sente's edn reads `""` as nil). @default 'error' */
  emptyInput?: 'error' | 'nil';
  /** How bytes after the first value are treated. @default 'ignored' for binary packers, 'rejected' for text ones */
  trailingBytes?: 'ignored' | 'rejected';
  /** The deepest collection nesting the packer accepts; omit for packers without a bound. */
  maxDepth?: number;
  /** Builds a raw payload of arrays nested `depth` deep (`[[[]]]` for 3), for the nesting tests. */
  nestedPayload?: (depth: number) => Packed;
  /** Format-specific payloads the packer must refuse with `ERR_SENTE_BAD_PACKAGE`. */
  malformed?: readonly MalformedPayload[];
  /** Values the packer must refuse with `ERR_SENTE_PACK_FAILED`. */
  unsupported?: readonly UnsupportedValue[];
}

/** What {@link runPackerWireVectors} checks a packer against. */
export interface WireVectorOptions {
  /** The suite's title. @default packer.name */
  name?: string;
  /** How the packer under test represents keyword-keyed maps and keywords. */
  mode: VectorMode;
  /** The payload Clojure Sente 1.21 writes for each of `senteWireVectors`, by id. */
  payloads: Readonly<Record<string, Packed>>;
  /** Also assert that `pack` writes exactly these payloads. @default true */
  exact?: boolean;
}

const utf8 = new TextEncoder();

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

function expectSenteError(fn: () => unknown, code: SenteErrorCode): void {
  const e = thrown(fn);
  if (!isSenteError(e)) {
    throw new Error(`expected a SenteError ${code}, got ${e === undefined ? 'no error' : String(e)}`);
  }
  // The code is all a packer says: the server answers it (400 on Ajax, 1007 on WebSocket) from the error table.
  expect(e.code).toBe(code);
}

function expectBadPackage(fn: () => unknown): void {
  expectSenteError(fn, 'ERR_SENTE_BAD_PACKAGE');
}

/** Unpacking `data` either gives a value or throws `ERR_SENTE_BAD_PACKAGE`; nothing else. */
function expectValueOrBadPackage(packer: Packer, data: Packed): void {
  const e = thrown(() => packer.unpack(data));
  if (e !== undefined && !(isSenteError(e) && e.code === 'ERR_SENTE_BAD_PACKAGE')) {
    throw new Error(`unpacking ${describePayload(data)} threw ${String(e)}`, { cause: e });
  }
}

function describePayload(data: Packed): string {
  if (typeof data === 'string') return JSON.stringify(data.length > 80 ? `${data.slice(0, 80)}…` : data);
  return `bytes ${Buffer.from(data.subarray(0, 40)).toString('hex')}${data.length > 40 ? '…' : ''}`;
}

function hex(data: Packed): string {
  return typeof data === 'string' ? data : Buffer.from(data).toString('hex');
}

function truncations(data: Packed): Packed[] {
  const out: Packed[] = [];
  for (let i = 1; i < data.length; i++) out.push(typeof data === 'string' ? data.slice(0, i) : data.slice(0, i));
  return out;
}

function mutations(data: Packed, count: number, seed: number): Packed[] {
  const rnd = seededRandom(seed);
  const syntax = '[]{}()#:"\\^~`,; \n0123456789.-+/eENMa_$?!';
  const out: Packed[] = [];
  for (let n = 0; n < count; n++) {
    const at = Math.floor(rnd() * data.length);
    if (typeof data === 'string') {
      const c = syntax[Math.floor(rnd() * syntax.length)] ?? '';
      out.push(data.slice(0, at) + c + data.slice(at + (rnd() < 0.5 ? 1 : 0)));
    } else {
      const copy = data.slice();
      copy[at] = Math.floor(rnd() * 256);
      out.push(rnd() < 0.3 ? copy.subarray(0, Math.max(1, at)) : copy);
    }
  }
  return out;
}

function randomPayloads(binary: boolean, count: number, seed: number): Packed[] {
  const rnd = seededRandom(seed);
  const syntax = '[]{}()#:"\\^~`,; \n0123456789.-+/eENMa_$?!xyz';
  const out: Packed[] = [];
  for (let n = 0; n < count; n++) {
    const len = 1 + Math.floor(rnd() * 40);
    if (binary) {
      const b = new Uint8Array(len);
      for (let i = 0; i < len; i++) b[i] = Math.floor(rnd() * 256);
      out.push(b);
    } else {
      let s = '';
      for (let i = 0; i < len; i++) s += syntax[Math.floor(rnd() * syntax.length)] ?? '';
      out.push(s);
    }
  }
  return out;
}

function sampleEnvelopes(): Array<[string, Envelope]> {
  const kw = Keyword.for;
  return [
    ['handshake', handshakeEnvelope('uid-1', null)],
    ['handshake with nil uid and data', handshakeEnvelope(NIL_UID, { csrf: null, n: 1 })],
    ['push batch', batchEnvelope([[kw('my/ev'), { a: 1 }], [kw('my/ev2'), 'x']])],
    ['one-event push batch', batchEnvelope([[kw('chat/msg'), { text: 'héllo 😀', at: 1 }]])],
    ['ws reply', replyEnvelope({ ok: true }, 'k3f9a1')],
    ['ajax reply', replyEnvelope([1, 2, 3], null)],
    ['ws ping', envelopes.wsPing],
    ['ws pong', envelopes.wsPong],
    ['timeout', envelopes.timeout],
    ['dummy cb 200', envelopes.dummyCb200],
    ['pong', pongEnvelope('k3f9a1')],
    ['client event with ajax marker', eventEnvelope([kw('my/ev'), { a: 1 }], 'ajax')],
    ['client event with ws cb-id', eventEnvelope([kw('my/ev')], 'abc123')],
  ];
}

/**
 * The conformance suite every packer runs: round trips of a wide value
 * corpus, keywords inside every kind of Sente envelope, malformed input
 * (truncated, garbage, wrong type, huge declared lengths, excessive depth)
 * answered with `ERR_SENTE_BAD_PACKAGE`, and pack failures answered with
 * `ERR_SENTE_PACK_FAILED`. Call it at the top level of a test file.
 *
 * @example
 * ```ts
 * runPackerConformance(ednPacker(), {
 *   keywords: 'native', dates: true, sets: true, maps: true, bigints: true, nonFinite: true,
 *   emptyInput: 'nil', maxDepth: 256, nestedPayload: (d) => '['.repeat(d) + ']'.repeat(d),
 * });
 * ```
 */
export function runPackerConformance(packer: Packer, options: PackerConformanceOptions): void {
  const title = options.name ?? packer.name;
  const trailing = options.trailingBytes ?? (packer.binary ? 'ignored' : 'rejected');

  describe(`packer conformance: ${title}`, () => {
    it('declares a name and whether it is binary', () => {
      expect(typeof packer.name).toBe('string');
      expect(packer.name.length).toBeGreaterThan(0);
      expect(typeof packer.binary).toBe('boolean');
    });

    describe('round trips', () => {
      for (const e of packerCorpus(options)) {
        it(`round-trips ${e.label}`, () => {
          const packed = packer.pack(e.value);
          if (packer.binary) expect(packed).toBeInstanceOf(Uint8Array);
          else expect(typeof packed).toBe('string');
          expect(packer.unpack(packed)).toStrictEqual(e.expected);
        });
      }

      it('keeps no state from one call to the next', () => {
        const a = [{ alpha: 1, beta: Keyword.for('x/y'), gamma: 'long-enough-key' }, { alpha: 2 }];
        const b = [{ beta: 'b', alpha: 3 }, Keyword.for('x/y')];
        const before = hex(packer.pack(b));
        packer.pack(a);
        expect(hex(packer.pack(b))).toBe(before);
        const pa = packer.pack(a);
        const pb = packer.pack(b);
        expect(packer.unpack(pa)).toStrictEqual(packer.unpack(packer.pack(a)));
        expect(packer.unpack(pb)).toStrictEqual(options.keywords === 'native' ? b : keywordsAsNames(b));
      });

      if (!packer.binary) {
        it('reads the UTF-8 bytes of its text as it reads the text', () => {
          const v = { text: 'héllo 😀', list: [1, 2.5, null] };
          const text = packer.pack(v) as string;
          expect(packer.unpack(utf8.encode(text))).toStrictEqual(packer.unpack(text));
        });
      }
    });

    if (packer.packAround !== undefined) {
      const around = packer.packAround.bind(packer);
      it('packs around content packed before exactly as it packs the whole array (packAround)', () => {
        const withToJson = { e: 'a', o: [1], toJSON: () => ({ x: 1 }) };
        const rests: readonly (readonly unknown[])[] = [
          [],
          [null],
          [null, { e: 'ab12cd34', o: [1, null, 3] }],
          [null, { e: 'ab12cd34', o: [] }],
          [null, {}],
          ['cb-1', { m: 'x', n: [Keyword.for('a/b')] }],
          // Shapes a packer may write by a shortcut, and near misses it must not.
          [null, { e: 'q"uo\\te\n', o: [-0, 2 ** 53, 1.5] }],
          [null, { e: 'caf\u00e9 \u2028', o: [Number.NaN, Infinity, -1] }],
          [null, { e: undefined, o: [1], n: { x: [1] } }],
          [null, withToJson, [1, 2]],
          [null, Object.assign(Object.create(null) as object, { e: 'a', o: [1] })],
          [null, { e: 'a', o: [1, 2] }, { e: 'b', o: [3] }, 7, 'text', true],
        ];
        let checked = 0;
        for (const e of packerCorpus(options)) {
          for (const rest of rests) {
            let whole: Packed;
            try {
              whole = packer.pack([e.value, ...rest]);
            } catch {
              continue;
            }
            expect(hex(around(packer.pack(e.value), rest)), `${e.label} with ${rest.length} more`).toBe(hex(whole));
            checked++;
          }
        }
        expect(checked).toBeGreaterThan(0);
      });
    }

    describe('keywords inside envelopes', () => {
      for (const [label, env] of sampleEnvelopes()) {
        it(`round-trips the ${label} envelope`, () => {
          const back = packer.unpack(packer.pack(env));
          expect(back).toStrictEqual(options.keywords === 'native' ? env : keywordsAsNames(env));
          const decoded = decodeEnvelope(back);
          const original = decodeEnvelope(env);
          expect(decoded).toBeDefined();
          expect(decoded?.cbId).toBe(original?.cbId);
        });
      }

      if (options.keywords === 'native') {
        it('reads keywords back as the interned Keyword instances', () => {
          const back = packer.unpack(packer.pack(envelopes.wsPing)) as unknown[];
          expect(back[0]).toBe(Keyword.for('chsk/ws-ping'));
          const ajax = packer.unpack(packer.pack(eventEnvelope([Keyword.for('my/ev'), 1], 'ajax'))) as unknown[];
          expect(ajax[1]).toBe(Keyword.for('ajax'));
        });
      }

      it('declares keywordsAsNames exactly when it packs every keyword as its name', () => {
        // A client gives such a packer its events with string ids: the output must not change.
        const asNames = sampleEnvelopes().every(([, env]) => hex(packer.pack(env)) === hex(packer.pack(keywordsAsNames(env))));
        expect(packer.keywordsAsNames === true).toBe(asNames);
      });

      it('reads pushed events back into app events', () => {
        const env = batchEnvelope([[Keyword.for('my/ev'), { a: 1 }], [Keyword.for('my/ev2')]]);
        const back = decodeEnvelope(packer.unpack(packer.pack(env)));
        const events = (back?.content as unknown[]).map(fromWireEvent);
        expect(events).toStrictEqual([['my/ev', { a: 1 }], ['my/ev2']]);
      });
    });

    describe('malformed input', () => {
      const samples: unknown[] = [
        batchEnvelope([[Keyword.for('my/ev'), { a: 1, text: 'héllo 😀' }], [Keyword.for('my/ev2'), [1.5, -7, null]]]),
        [{ key: 'value', n: 123456, list: ['a', 'b'] }, 'k3f9a1'],
      ];

      it('refuses every truncation of a payload', () => {
        for (const v of samples) {
          for (const cut of truncations(packer.pack(v))) expectBadPackage(() => packer.unpack(cut));
        }
      });

      it('refuses garbage text', () => {
        for (const s of [']', '}{', '[[[', '"unterminated', '\u0000', '[1 2 3', '{"a"']) {
          expectBadPackage(() => packer.unpack(s));
        }
      });

      it('refuses garbage bytes and huge declared lengths', () => {
        const payloads = [
          [0xc1],
          [0xc1, 0x80, 0x80],
          [0xdd, 0xff, 0xff, 0xff, 0xff],
          [0xdf, 0xff, 0xff, 0xff, 0xff, 0x01],
          [0xdb, 0xff, 0xff, 0xff, 0xf0, 0x41],
          [0xc6, 0xff, 0xff, 0xff, 0xff, 0x00],
          [0xc9, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00],
          [0x93, 0xdc, 0xff, 0xff],
        ];
        for (const p of payloads) expectBadPackage(() => packer.unpack(new Uint8Array(p)));
      });

      it('refuses input that is neither text nor bytes', () => {
        for (const v of [42, null, undefined, {}, [1, 2], true]) {
          expectBadPackage(() => packer.unpack(v as unknown as Packed));
        }
      });

      if (packer.binary) {
        it('refuses text, since it reads bytes', () => {
          expectBadPackage(() => packer.unpack('[1,2]'));
        });
      }

      if ((options.emptyInput ?? 'error') === 'error') {
        it('refuses an empty payload', () => {
          expectBadPackage(() => packer.unpack(packer.binary ? new Uint8Array(0) : ''));
        });
      } else {
        it('reads an empty payload as null', () => {
          expect(packer.unpack(packer.binary ? new Uint8Array(0) : '')).toBeNull();
        });
      }

      if (trailing === 'ignored') {
        it('ignores bytes after the first value (the JS client posts the whole buffer)', () => {
          const env = batchEnvelope([[Keyword.for('my/ev'), { a: 1 }]]);
          const packed = packer.pack(env) as Uint8Array;
          const padded = new Uint8Array(packed.length + 1024);
          padded.set(packed);
          const expected = options.keywords === 'native' ? env : keywordsAsNames(env);
          expect(packer.unpack(padded)).toStrictEqual(expected);
        });
      } else {
        it('refuses content after the first value', () => {
          const packed = packer.pack([1, 2]);
          expectBadPackage(() => packer.unpack(typeof packed === 'string' ? `${packed} ]` : packed));
        });
      }

      for (const m of options.malformed ?? []) {
        it(`refuses ${m.name}`, () => {
          expectBadPackage(() => packer.unpack(m.data));
        });
      }

      it('answers random payloads with a value or ERR_SENTE_BAD_PACKAGE, nothing else', () => {
        for (const p of randomPayloads(packer.binary, 400, 0xbad)) expectValueOrBadPackage(packer, p);
      });

      it('answers mutated payloads with a value or ERR_SENTE_BAD_PACKAGE, nothing else', () => {
        for (const v of samples) {
          for (const p of mutations(packer.pack(v), 400, 0xfee)) expectValueOrBadPackage(packer, p);
        }
      });
    });

    describe('nesting', () => {
      const { maxDepth, nestedPayload } = options;
      if (maxDepth !== undefined && nestedPayload !== undefined) {
        it(`reads arrays nested ${maxDepth} deep (the bound)`, () => {
          expect(packer.unpack(nestedPayload(maxDepth))).toStrictEqual(nestedArrays(maxDepth));
        });
        it(`refuses arrays nested ${maxDepth + 1} deep`, () => {
          expectBadPackage(() => packer.unpack(nestedPayload(maxDepth + 1)));
        });
        it('refuses arrays nested 100000 deep without overflowing the stack', () => {
          expectBadPackage(() => packer.unpack(nestedPayload(100_000)));
        });
        it(`packs arrays nested ${maxDepth} deep and refuses ${maxDepth + 1}`, () => {
          expect(packer.unpack(packer.pack(nestedArrays(maxDepth)))).toStrictEqual(nestedArrays(maxDepth));
          expectSenteError(() => packer.pack(nestedArrays(maxDepth + 1)), 'ERR_SENTE_PACK_FAILED');
        });
      } else if (nestedPayload !== undefined) {
        it('answers arrays nested 100000 deep with a value or ERR_SENTE_BAD_PACKAGE', () => {
          expectValueOrBadPackage(packer, nestedPayload(100_000));
        });
      }

      it('refuses to pack a cyclic value', () => {
        const cyclic: unknown[] = [1];
        cyclic.push(cyclic);
        expectSenteError(() => packer.pack(cyclic), 'ERR_SENTE_PACK_FAILED');
        const obj: Record<string, unknown> = { a: 1 };
        obj['self'] = obj;
        expectSenteError(() => packer.pack({ wrapper: [obj] }), 'ERR_SENTE_PACK_FAILED');
      });
    });

    if ((options.unsupported ?? []).length > 0) {
      describe('pack failures', () => {
        for (const u of options.unsupported ?? []) {
          it(`refuses to pack ${u.name}`, () => {
            expectSenteError(() => packer.pack(u.value), 'ERR_SENTE_PACK_FAILED');
            expectSenteError(() => packer.pack([Keyword.for('my/ev'), { nested: [u.value] }]), 'ERR_SENTE_PACK_FAILED');
          });
        }
      });
    }
  });
}

/** A checked-in fixture file of golden wire vectors: text payloads as `payload`, bytes as `payloadHex`. */
export interface WireFixtureFile {
  readonly format: string;
  readonly description: string;
  readonly vectors: ReadonlyArray<{
    readonly id: string;
    readonly clojure: string;
    readonly description: string;
    readonly payload?: string;
    readonly payloadHex?: string;
  }>;
}

/** The payloads of a fixture file, by vector id. */
export function fixturePayloads(file: WireFixtureFile): Record<string, Packed> {
  const out: Record<string, Packed> = {};
  for (const v of file.vectors) {
    if (v.payload !== undefined) out[v.id] = v.payload;
    else if (v.payloadHex !== undefined) out[v.id] = new Uint8Array(Buffer.from(v.payloadHex.replace(/\s+/g, ''), 'hex'));
    else throw new Error(`fixture ${v.id} has no payload`);
  }
  return out;
}

/**
 * Golden wire vectors: checks that the packer reads every message of Sente
 * 1.21 exactly as Clojure Sente writes it and, with `exact`, writes those very
 * bytes or text itself.
 */
export function runPackerWireVectors(packer: Packer, options: WireVectorOptions): void {
  const title = options.name ?? packer.name;
  const exact = options.exact ?? true;

  describe(`Sente 1.21 wire vectors: ${title}`, () => {
    it('has a payload for every message of the protocol', () => {
      expect(Object.keys(options.payloads).sort()).toStrictEqual(senteWireVectors.map((v) => v.id).sort());
    });

    for (const v of senteWireVectors) {
      const payload = options.payloads[v.id];
      if (payload === undefined) continue;
      it(`reads ${v.id}: ${v.clojure}`, () => {
        expect(packer.unpack(payload)).toStrictEqual(v.value(options.mode));
      });
      if (exact) {
        it(`writes ${v.id} byte for byte`, () => {
          expect(hex(packer.pack(v.value(options.mode)))).toBe(hex(payload));
        });
      }
    }
  });
}
