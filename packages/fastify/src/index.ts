export { senteFastify, senteFastify as default } from './plugin.js';
export type { SenteFastifyOptions } from './plugin.js';
