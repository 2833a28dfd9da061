/** The packer the browser code is typechecked against; each app bundles its own in its place. */
export { json as packer } from '@sente/packer-json';
