import type { Harness } from '../harness.js';
import type { Wire } from '../wire.js';

/** What every case gets: the packer's wire format and the harness that starts servers. */
export interface CaseContext {
  readonly wire: Wire;
  readonly harness: Harness;
}

/** A case's time limit: long enough for its bounded waits, on a loaded 2-core machine. */
export const CASE_TIMEOUT_MS = 15_000;
