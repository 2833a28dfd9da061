/**
 * The one line that picks the packer, for the server and the browser alike.
 * This app speaks MessagePack (binary frames and binary Ajax); swap in `json`
 * from '@sente/packer-json', `transit` from '@sente/packer-transit' or `edn`
 * from '@sente/packer-edn'.
 */
export { msgpack as packer } from '@sente/packer-msgpack';
