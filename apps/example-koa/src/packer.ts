/**
 * The one line that picks the packer, for the server and the browser alike.
 * This app speaks Transit (the json encoding, as Clojure Sente's transit
 * packer does); swap in `json` from '@sente/packer-json', `msgpack` from
 * '@sente/packer-msgpack' or `edn` from '@sente/packer-edn'.
 */
export { transit as packer } from '@sente/packer-transit';
