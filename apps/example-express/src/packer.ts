/**
 * The one line that picks the packer, for the server and the browser alike.
 * Swap it for `msgpack` from '@sente/packer-msgpack', `transit` from
 * '@sente/packer-transit' or `edn` from '@sente/packer-edn'.
 */
export { json as packer } from '@sente/packer-json';
