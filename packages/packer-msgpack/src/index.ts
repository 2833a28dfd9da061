export { msgpackPacker, msgpack } from './msgpack-packer.js';
export type { MsgpackPackerOptions } from './msgpack-packer.js';
export { EXT } from './ext-types.js';
export type { ObjectKeys } from '@sente/core';
export { Sym, isSym } from '@sente/core';
export { Uuid, isUuid } from '@sente/core';
