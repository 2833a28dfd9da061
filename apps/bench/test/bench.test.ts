import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBench } from '../src/run.js';
import { SCENARIOS, TINY } from '../src/scenarios.js';
import { TARGETS, TARGET_INFO } from '../src/targets.js';

const dir = mkdtempSync(join(tmpdir(), 'sente-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the benchmark orchestrator', () => {
  it('runs every scenario on every target in separate processes and reports finite figures for each', async () => {
    const out = join(dir, 'tiny.json');
    // Three pairs at once: the figures are worthless, only their presence is checked, and the test stays short.
    // From source, so that the test needs no build.
    const report = await runBench({ sizes: TINY, scenarios: SCENARIOS, targets: TARGETS, out, parallel: 3, load: 'source' });

    expect(report.results.filter((r) => r.error !== undefined)).toEqual([]);
    for (const sc of SCENARIOS) {
      for (const t of sc.targets) {
        const cell = report.summary.find((c) => c.scenario === sc.name && c.target === t);
        const figures = sc.kind === 'memory' ? [cell?.median.rssKiBPerConn] : [cell?.median.serverUsPerOp, cell?.median.clientUsPerOp, cell?.median.opsPerSec, cell?.median.p50Ms, cell?.median.p99Ms];
        for (const x of figures) expect(Number.isFinite(x), `${sc.name} on ${t}: ${String(x)}`).toBe(true);
      }
    }
    for (const t of TARGETS) expect(report.markdown).toContain(`| ${TARGET_INFO[t].label} |`);
    for (const sc of SCENARIOS) expect(report.markdown).toContain(`| ${sc.name} |`);
    expect(report.markdown).not.toMatch(/\bNaN\b|Infinity/);
    const json = JSON.parse(readFileSync(out, 'utf8')) as { results: unknown[] };
    expect(json.results).toHaveLength(report.results.length);
  });
});
