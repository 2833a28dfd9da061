import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBench } from '../src/run.js';
import { SCENARIOS, TINY } from '../src/scenarios.js';
import { CLUSTER_TARGETS, SINGLE_TARGETS, TARGET_INFO } from '../src/targets.js';
import type { Target } from '../src/targets.js';
import type { Scenario } from '../src/scenarios.js';

const dir = mkdtempSync(join(tmpdir(), 'sente-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `scenarios` on `targets` at tiny sizes and checks that every cell has a finite figure. */
async function expectFigures(name: string, scenarios: readonly Scenario[], targets: readonly Target[], parallel: number): Promise<string> {
  const out = join(dir, `${name}.json`);
  // From source, so that the test needs no build.
  const report = await runBench({ sizes: TINY, scenarios, targets, out, parallel, load: 'source' });

  expect(report.results.filter((r) => r.error !== undefined)).toEqual([]);
  for (const sc of scenarios) {
    for (const t of sc.targets) {
      const cell = report.summary.find((c) => c.scenario === sc.name && c.target === t);
      const figures =
        sc.kind === 'memory'
          ? [cell?.median.rssKiBPerConn, cell?.median.heapKiBPerConn, cell?.median.youngKiBPerConn, cell?.median.connectUsPerConn, cell?.median.connectsPerSec]
          : [cell?.median.serverUsPerOp, cell?.median.clientUsPerOp, cell?.median.opsPerSec, cell?.median.p50Ms, cell?.median.p99Ms];
      // Across processes on one Redis, Redis's own CPU per delivered push too.
      if (sc.kind === 'cluster') figures.push(cell?.median.redisUsPerOp);
      for (const x of figures) expect(Number.isFinite(x), `${sc.name} on ${t}: ${String(x)}`).toBe(true);
    }
  }
  for (const t of targets) expect(report.markdown).toContain(`| ${TARGET_INFO[t].label} |`);
  for (const sc of scenarios) expect(report.markdown).toContain(`| ${sc.name} |`);
  expect(report.markdown).not.toMatch(/\bNaN\b|Infinity/);
  const json = JSON.parse(readFileSync(out, 'utf8')) as { results: unknown[] };
  expect(json.results).toHaveLength(report.results.length);
  return report.markdown;
}

describe('the benchmark orchestrator', () => {
  it('runs every scenario on every target in separate processes and reports finite figures for each', async () => {
    // Three pairs at once: the figures are worthless, only their presence is checked, and the test stays short.
    await expectFigures('tiny', SCENARIOS.filter((sc) => sc.kind !== 'cluster'), SINGLE_TARGETS, 3);
  });

  it('runs the fan-out across three processes on a Redis of its own, and reports Redis’s CPU per delivered push', async () => {
    const markdown = await expectFigures('cluster', SCENARIOS.filter((sc) => sc.kind === 'cluster'), CLUSTER_TARGETS, 1);
    expect(markdown).toContain('| Redis µs per delivered msg |');
  }, 60_000);

  it('counts instructions under callgrind when asked: per operation, of the server and of the client', async () => {
    const out = join(dir, 'instructions.json');
    const scenarios = SCENARIOS.filter((sc) => sc.name === 'echo-1');
    const targets: Target[] = ['ws', 'sente-express'];
    // Long enough windows for processes that callgrind slows some 50 times to complete requests in them.
    const report = await runBench({ sizes: { ...TINY, warmupMs: 2000, steadyMs: 3000 }, scenarios, targets, out, load: 'source', instructions: true });

    expect(report.results.filter((r) => r.error !== undefined)).toEqual([]);
    for (const t of targets) {
      const cell = report.summary.find((c) => c.target === t)?.median;
      // A round trip is thousands of instructions on either side, never the few a broken count gives.
      expect(cell?.serverInstrPerOp, t).toBeGreaterThan(2000);
      expect(cell?.clientInstrPerOp, t).toBeGreaterThan(2000);
      expect(cell?.serverInstrPerOp, t).toBeLessThan(10_000_000);
    }
    expect(report.markdown).toContain('server instructions/op');
    expect(report.markdown).not.toMatch(/\bNaN\b|Infinity/);
    // Nothing of callgrind's is left behind.
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith(`sente-bench-${process.pid}-`))).toEqual([]);
  }, 600_000);
});
