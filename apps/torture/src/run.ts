import { runHostile } from './hostile/run-hostile.js';
import { fuzzPackers } from './packer-fuzz.js';
import { runFaults, faultServers } from './faults/run-faults.js';
import { runSoak } from './soak/run-soak.js';
import { ADAPTERS, PACKER_NAMES } from './server/adapters.js';
import { allServers, soakServers } from './scales.js';
import { faultsMarkdown, findingsMarkdown, hostileMarkdown, soakMarkdown } from './report/markdown.js';
import { isKnownDefect } from './known-defects.js';
import type { Finding } from './report/tally.js';
import type { HostileReport } from './hostile/run-hostile.js';
import type { FaultReport } from './faults/run-faults.js';
import type { SoakReport } from './soak/run-soak.js';
import type { Scale } from './scales.js';
import type { ServerSpec } from './server/protocol.js';

export const MODES = ['hostile', 'faults', 'soak'] as const;
export type Mode = (typeof MODES)[number];

/** What to run. */
export interface RunOptions {
  readonly seed: number;
  readonly modes: readonly Mode[];
  readonly scale: Scale;
  /** Only servers whose key starts with one of these (`express`, `uws/msgpack`). */
  readonly servers?: readonly string[] | undefined;
  /** Overrides the scale's soak duration. */
  readonly soakMs?: number | undefined;
  readonly log?: ((line: string) => void) | undefined;
}

/** Everything a run found, per mode, and as Markdown. */
export interface RunReport {
  readonly seed: number;
  readonly scale: string;
  readonly node: string;
  readonly startedAt: string;
  readonly hostile?: HostileReport & { decoder: ReturnType<typeof fuzzPackers> };
  readonly faults?: FaultReport;
  readonly soak?: SoakReport;
  readonly findings: Finding[];
  readonly markdown: string;
}

function pick(specs: ServerSpec[], only: readonly string[] | undefined): ServerSpec[] {
  return only === undefined || only.length === 0 ? specs : specs.filter((s) => only.some((o) => s.key.startsWith(o)));
}

/** Runs the selected modes in order and builds the report. */
export async function runTorture(o: RunOptions): Promise<RunReport> {
  const startedAt = new Date().toISOString();
  const parts: string[] = [];
  const findings: Finding[] = [];
  let hostile: RunReport['hostile'];
  let faults: FaultReport | undefined;
  let soak: SoakReport | undefined;
  if (o.modes.includes('hostile')) {
    const servers = pick(allServers(), o.servers);
    const decoder = fuzzPackers(o.seed, o.scale.hostile.decoderCasesPerPacker, [...new Set(servers.map((s) => s.packer))]);
    o.log?.(`decoders: ${decoder.tally.total()} cases in ${decoder.wallMs} ms`);
    const h = await runHostile({ seed: o.seed, servers, ...o.scale.hostile, crew: o.scale.crew, log: o.log });
    hostile = { ...h, decoder };
    parts.push(hostileMarkdown(h, decoder));
    findings.push(...h.findings.list(), ...decoder.findings.list());
  }
  if (o.modes.includes('faults')) {
    const servers = pick(faultServers(ADAPTERS, PACKER_NAMES), o.servers);
    faults = await runFaults({ seed: o.seed, servers, ...o.scale.faults, log: o.log });
    parts.push(faultsMarkdown(faults));
    findings.push(...faults.findings.list());
  }
  if (o.modes.includes('soak')) {
    const servers = pick(soakServers(), o.servers);
    soak = await runSoak({ seed: o.seed, servers, ...o.scale.soak, durationMs: o.soakMs ?? o.scale.soak.durationMs, crew: o.scale.crew, log: o.log });
    parts.push(soakMarkdown(soak));
    findings.push(...soak.findings.list());
  }
  parts.push(findingsMarkdown(findings, isKnownDefect));
  const head = `## Torture run: seed ${o.seed}, scale ${o.scale.name}, modes ${o.modes.join(', ')}, Node ${process.version}, ${startedAt}`;
  return { seed: o.seed, scale: o.scale.name, node: process.version, startedAt, ...(hostile ? { hostile } : {}), ...(faults ? { faults } : {}), ...(soak ? { soak } : {}), findings, markdown: [head, ...parts].join('\n\n') };
}

/** The report as JSON (tallies as plain objects). */
export function reportJson(r: RunReport): string {
  return JSON.stringify(r, (_k, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v), 2);
}
