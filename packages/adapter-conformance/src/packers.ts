/**
 * The packer conformance suite: what every packer of Sente for TypeScript
 * must do, and Sente 1.21's messages as golden wire vectors.
 */
export { runPackerConformance, runPackerWireVectors, fixturePayloads } from './packer-suite.js';
export type { PackerConformanceOptions, WireVectorOptions, WireFixtureFile, MalformedPayload, UnsupportedValue } from './packer-suite.js';
export { packerCorpus, keywordsAsNames, mapsAsRead, nestedArrays, seededRandom } from './packer-values.js';
export type { PackerValueKinds, CorpusEntry } from './packer-values.js';
export { senteWireVectors } from './packer-vectors.js';
export type { WireVector, VectorMode } from './packer-vectors.js';
