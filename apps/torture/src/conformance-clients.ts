/**
 * The raw protocol clients and wire helpers of the conformance suite. Its
 * package exports only the suite runners, so they are imported by path here,
 * in one place.
 */
export { RawWsClient, UpgradeRejected } from '../../../packages/adapter-conformance/src/ws-client.js';
export type { Frame, CloseInfo } from '../../../packages/adapter-conformance/src/ws-client.js';
export { RawAjaxClient } from '../../../packages/adapter-conformance/src/ajax-client.js';
export type { HttpAnswer } from '../../../packages/adapter-conformance/src/ajax-client.js';
export { Wire } from '../../../packages/adapter-conformance/src/wire.js';
export { until, within, delay } from '../../../packages/adapter-conformance/src/wait.js';
