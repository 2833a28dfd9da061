export { transitPacker, transit } from './transit-packer.js';
export type { TransitPackerOptions } from './transit-packer.js';
export type { TransitWriteHandler, TransitWriteHandlerEntry } from './write-handlers.js';
export type { TransitReadHandler } from './read-handlers.js';
export type { ObjectKeys } from './maps.js';
export { Sym, isSym } from './sym.js';
export { Uuid, isUuid } from './uuid.js';
