/**
 * The code a client needs only on Ajax: the Ajax transport, and the
 * re-upgrade that brings WebSocket back after a fallback. An `'auto'` client
 * on a working WebSocket never loads it: client.ts imports it dynamically
 * (see lazy-ajax.ts), so that a bundler splits it off as a chunk of its own.
 */
export { createAjaxTransport } from './ajax-transport.js';
export { createReupgrade } from './reupgrade.js';
export { errorOfWsEvent } from './status-errors.js';
