export { attachSente } from './attach.js';
export type { SenteUws, SenteUwsOptions, UwsSocketOptions } from './attach.js';
export type { UwsRequest } from './request.js';
