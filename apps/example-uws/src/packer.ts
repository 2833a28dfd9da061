/**
 * The one line that picks the packer, for the server and the browser alike.
 * This app speaks edn, Clojure Sente's default; swap in `json` from
 * '@sente/packer-json', `msgpack` from '@sente/packer-msgpack' or `transit`
 * from '@sente/packer-transit'.
 */
export { edn as packer } from '@sente/packer-edn';
