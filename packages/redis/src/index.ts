export { createRedisBackplane } from './backplane.js';
export type { RedisBackplane, RedisBackplaneStats } from './backplane.js';
export { createRedisEmitter } from './emitter.js';
export type { RedisEmitter } from './emitter.js';
export type { RedisBackplaneOptions, RedisEmitterOptions } from './options.js';
