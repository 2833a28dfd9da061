export { msgpackPacker, msgpack } from './msgpack-packer.js';
export type { MsgpackPackerOptions } from './msgpack-packer.js';
export type { ObjectKeys } from './maps.js';
export { EXT } from './ext-types.js';
export { Sym, isSym } from './sym.js';
export { Uuid, isUuid } from './uuid.js';
