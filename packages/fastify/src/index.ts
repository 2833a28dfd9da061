export { senteFastify, senteFastify as default, senteOf } from './plugin.js';
export type { SenteFastifyOptions, SenteFastifyRegister, RegisteredContract } from './plugin.js';
