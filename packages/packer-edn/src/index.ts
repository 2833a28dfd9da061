export { ednPacker, edn } from './edn-packer.js';
export type { EdnPackerOptions } from './edn-packer.js';
export type { EdnWriter } from './printer.js';
export type { ObjectKeys } from './maps.js';
export { Sym, isSym } from './sym.js';
export { Uuid, isUuid } from './uuid.js';
export { TaggedValue } from './tagged-value.js';
