export { ednPacker, edn } from './edn-packer.js';
export type { EdnPackerOptions } from './edn-packer.js';
export type { EdnWriter } from './printer.js';
export { TaggedValue } from './tagged-value.js';
export type { ObjectKeys } from '@sente/core';
export { Sym, isSym } from '@sente/core';
export { Uuid, isUuid } from '@sente/core';
