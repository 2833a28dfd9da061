import transit from 'transit-js';
import type { TransitTaggedValue, WriteHandler } from 'transit-js';

// transit-js's API as this package uses it: @types/transit-js leaves out
// the decoder's options and the writer's `transform`, both part of
// transit-js's documented (if lightly) surface.

/** A map or array builder of transit-js's decoder: it receives each map's or array's raw JSON node. */
export interface TransitBuilder<A> {
  init(node: unknown): A;
  add(acc: A, ...args: unknown[]): A;
  finalize(acc: A, node: unknown): unknown;
  fromArray(items: unknown[], node: unknown): unknown;
}

/** The options of transit-js's decoder. */
export interface TransitDecoderOptions {
  handlers: Record<string, (rep: unknown) => unknown>;
  defaultHandler: (tag: string, rep: unknown) => unknown;
  mapBuilder: TransitBuilder<Array<[unknown, unknown]>>;
  arrayBuilder: TransitBuilder<unknown[]>;
  preferBuffers: boolean;
}

/** transit-js's decoder: decodes parsed JSON with a read cache. */
export interface TransitDecoder {
  decode(node: unknown, cache: TransitReadCacheLike): unknown;
}

/** A cache transit-js writes `^N` codes through. */
export interface TransitWriteCacheLike {
  write(s: string, asMapKey: boolean): string;
  clear(): void;
}

/** A cache transit-js reads `^N` codes through (it rewinds `idx` after probing for a tag). */
export interface TransitReadCacheLike {
  idx: number;
  write(value: unknown, asMapKey: boolean): unknown;
  read(code: string, asMapKey: boolean): unknown;
  clear(): void;
}

/** The options of transit-js's JSON writer. */
export interface TransitWriterOptions {
  handlers: Map<unknown, WriteHandler>;
  transform: (value: unknown) => unknown;
  cache?: TransitWriteCacheLike;
}

/** The transit-js functions this package calls. */
export interface TransitJs {
  writer(encoding: 'json' | 'json-verbose', options: TransitWriterOptions): { write(value: unknown): string };
  decoder(options: TransitDecoderOptions): TransitDecoder;
  makeWriteHandler(handler: WriteHandler): WriteHandler;
  isInteger(x: unknown): boolean;
  isTaggedValue(x: unknown): boolean;
  tagged(tag: string, rep: unknown): TransitTaggedValue;
  bigInt(s: string): TransitTaggedValue;
  keyword(name: string): unknown;
  symbol(name: string): unknown;
  uuid(value: string): unknown;
}

/** transit-js, typed for this package. */
export const t = transit as unknown as TransitJs;
