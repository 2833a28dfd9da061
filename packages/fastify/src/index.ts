export { senteFastify, senteFastify as default } from './plugin.js';
export type { SenteFastifyOptions, SenteFastifyRegister, RegisteredContract } from './plugin.js';
