/** Latency samples and operation counts of one measured window; bounded in memory. */
export class Recorder {
  private samples = new Float64Array(1 << 20);
  private n = 0;
  /** Operations completed (replies, or pushed events delivered) since the last {@link take}. */
  ops = 0;
  /** Operations since the load started, for the `maxOps` bound. */
  total = 0;
  /** Requests that failed since the last {@link take}, and the first reason. */
  errors = 0;
  firstError: string | undefined;

  /** Counts one failed request. */
  fail(why: string): void {
    this.errors++;
    this.firstError ??= why;
  }

  /** Counts one operation and its latency in ms. */
  record(ms: number): void {
    this.ops++;
    this.total++;
    // Past the buffer's size, later samples are counted but not kept: the percentiles come from the first million.
    if (this.n < this.samples.length) this.samples[this.n++] = ms;
  }

  /** The window so far: its count and latency percentiles; starts a new window. */
  take(): { ops: number; p50: number | null; p99: number | null; errors: number; firstError: string | null } {
    const sorted = this.samples.slice(0, this.n).sort();
    const at = (q: number): number | null => (sorted.length === 0 ? null : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number));
    const out = { ops: this.ops, p50: at(0.5), p99: at(0.99), errors: this.errors, firstError: this.firstError ?? null };
    this.ops = 0;
    this.errors = 0;
    this.firstError = undefined;
    this.n = 0;
    return out;
  }
}
