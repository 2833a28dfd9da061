export { createInspector } from './inspector.js';
export type { Inspector, InspectorOptions } from './inspector.js';
export { createInspectorProbe } from './probe.js';
export type { InspectorProbe, InspectorProbeOptions } from './probe.js';
export type { Tally } from './tally.js';
export { INSPECTOR_EVENTS } from './snapshot.js';
export type { InspectorSnapshot, InspectedClient, InspectedRates, InspectedTotals } from './snapshot.js';
