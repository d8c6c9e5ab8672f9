import { performance } from 'node:perf_hooks';

/**
 * Latency samples kept exactly (a run holds at most a few million), summarised as percentiles in ms, plus the
 * worst latency of each second of the run (by completion time), which shows whether a bad p99 is a steady
 * queue or a few stalls.
 */
export class LatencyRecorder {
  private values = new Float64Array(1 << 16);
  private n = 0;
  private readonly t0 = performance.now();
  readonly maxPerSecond: number[] = [];

  record(ms: number): void {
    const second = Math.floor((performance.now() - this.t0) / 1000);
    while (this.maxPerSecond.length <= second) this.maxPerSecond.push(0);
    if (ms > this.maxPerSecond[second]!) this.maxPerSecond[second] = round(ms, 1);
    if (this.n === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.n++] = ms;
  }

  get count(): number {
    return this.n;
  }

  summary(): LatencySummary {
    const sorted = this.values.subarray(0, this.n).sort();
    const at = (q: number) => (this.n === 0 ? 0 : sorted[Math.min(this.n - 1, Math.ceil(q * this.n) - 1)]!);
    let sum = 0;
    for (let i = 0; i < this.n; i++) sum += sorted[i]!;
    return {
      count: this.n,
      mean: round(this.n ? sum / this.n : 0),
      p50: round(at(0.5)),
      p90: round(at(0.9)),
      p99: round(at(0.99)),
      p999: round(at(0.999)),
      max: round(this.n ? sorted[this.n - 1]! : 0),
    };
  }
}

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;
