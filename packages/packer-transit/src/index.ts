export { transitPacker, transit } from './transit-packer.js';
export type { TransitPackerOptions } from './transit-packer.js';
export type { TransitWriteHandler, TransitWriteHandlerEntry } from './write-handlers.js';
export type { TransitReadHandler } from './read-handlers.js';
export type { ObjectKeys } from '@sente/core';
export { Sym, isSym } from '@sente/core';
export { Uuid, isUuid } from '@sente/core';
