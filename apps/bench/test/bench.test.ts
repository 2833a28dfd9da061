import { describe, expect, it } from 'vitest';
import { QUICK, formatReport, runBench } from '../src/bench.js';

describe('the benchmark harness', () => {
  it('runs every scenario on both libraries to completion and reports a ratio for each', async () => {
    const rows = await runBench(QUICK);
    expect(rows.map((r) => r.scenario)).toEqual(['request/reply round trips', 'server push to every client', 'connections opened']);
    for (const r of rows) {
      expect(r.sente.ops).toBeGreaterThan(0);
      expect(r.ratio).toBeGreaterThan(0);
    }
    expect(formatReport(rows)).toContain('| Sente / Socket.IO |');
  });
});
