export { senteKoa } from './koa.js';
export type { SenteKoa, SenteKoaOptions } from './koa.js';
