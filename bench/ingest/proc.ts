/**
 * What a server process costs, read from /proc (Linux): resident memory of the process and its descendants,
 * and CPU time. Sampled from the orchestrator, so the measurement does not run inside the measured process.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The pid and every live descendant. */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    const p = out[i]!;
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      const children = readOrNull(`/proc/${p}/task/${tid}/children`);
      if (children) for (const c of children.trim().split(/\s+/)) if (c) out.push(Number(c));
    }
  }
  return out;
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readOrNull(`/proc/${pid}/status`);
  const m = status?.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
  return m ? Number(m[1]) : 0;
}

/** Resident set of the process tree, in MB. */
export function rssMb(pid: number): number {
  return processTree(pid).reduce((s, p) => s + statusKb(p, 'VmRSS'), 0) / 1024;
}

/** Peak resident set ("high water mark") of the process tree, in MB: the sum of each process's peak. */
export function hwmMb(pid: number): number {
  return processTree(pid).reduce((s, p) => s + statusKb(p, 'VmHWM'), 0) / 1024;
}

/** User + system CPU seconds used so far by the process tree (all threads). */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    const stat = readOrNull(`/proc/${p}/stat`);
    if (!stat) continue;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / TICKS_PER_SECOND;
}

/** Samples the resident set every `intervalMs`; `peakSince` and `reset` frame one scenario. */
export class RssSampler {
  private timer: NodeJS.Timeout;
  private peak = 0;
  last = 0;

  constructor(
    private readonly pid: number,
    intervalMs = 250,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  private sample(): void {
    this.last = rssMb(this.pid);
    if (this.last > this.peak) this.peak = this.last;
  }

  /** Peak since the last reset, in MB (sampling once more first). */
  peakMb(): number {
    this.sample();
    return this.peak;
  }

  reset(): void {
    this.peak = 0;
    this.sample();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Busy CPU seconds of the whole machine so far (all cores), from /proc/stat. */
export function machineBusySeconds(): number {
  const line = readOrNull('/proc/stat')?.split('\n')[0] ?? '';
  // cpu  user nice system idle iowait irq softirq steal ...
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
  return busy / TICKS_PER_SECOND;
}
