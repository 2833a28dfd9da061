export { runAdapterConformance } from './conformance.js';
export type { AdapterConformanceOptions } from './conformance.js';
export type { ConformanceFactory, ConformanceServer, ConformanceServerOptions } from './harness.js';
export { runPackerConformance } from './packers.js';
export { serveNodeHttp } from './node-http.js';
export type { NodeSente } from './node-http.js';
export { RawHttp } from './raw-http.js';
export type { RawAnswer } from './raw-http.js';
