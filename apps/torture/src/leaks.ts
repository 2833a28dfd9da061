import { delay } from './conformance-clients.js';
import type { ServerProcess } from './server/child-process.js';
import type { ProcessSample } from './server/protocol.js';

/** What a server process still held once every client had gone. */
export interface LeakReport {
  /** True when every server's stats (but the push log's entries) and connected uids are 0 and no handle was added since the baseline. */
  readonly clean: boolean;
  /** What each server still held (servers holding nothing are left out). */
  readonly servers: Record<string, string>;
  /** Handles above the baseline, by type. */
  readonly resources: Record<string, number>;
  /** The last sample. */
  readonly sample?: ProcessSample | undefined;
}

/** Compares a sample with the baseline taken before any client connected. */
export function leaksOf(s: ProcessSample, baseline: ProcessSample): LeakReport {
  const servers: Record<string, string> = {};
  for (const [key, c] of Object.entries(s.servers)) {
    // The push log keeps each uid's last pushes, and the server each client's last message ids, for
    // the replay window by design (bounded by the server's `replay` limits and 1000 ids per client),
    // after the clients have gone: not a leak.
    const held = Object.entries(c.stats).filter(([k, n]) => n !== 0 && k !== 'loggedPushes' && k !== 'messageIds');
    const uids = c.connectedUids.any + c.connectedUids.ws + c.connectedUids.ajax;
    if (held.length > 0 || uids > 0) servers[key] = [...held.map(([k, n]) => `${k}=${n}`), ...(uids > 0 ? [`connectedUids=${JSON.stringify(c.connectedUids)}`] : [])].join(' ');
  }
  const resources: Record<string, number> = {};
  for (const [k, n] of Object.entries(s.resources)) if (n > (baseline.resources[k] ?? 0)) resources[k] = n - (baseline.resources[k] ?? 0);
  return { clean: Object.keys(servers).length === 0 && Object.keys(resources).length === 0, servers, resources, sample: s };
}

/**
 * Waits (up to `deadlineMs`: grace periods and long-polls must run out) for
 * the server process to hold nothing more than at `baseline`; gives what it
 * still held at the end.
 */
export async function waitQuiet(proc: ServerProcess, baseline: ProcessSample, deadlineMs: number): Promise<LeakReport> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const r = leaksOf(await proc.sample(), baseline);
    if (r.clean || Date.now() > end) return r;
    await delay(250);
  }
}
