/**
 * Summarises a V8 CPU profile (from `run.js --cpu-prof DIR`, i.e. node --cpu-prof on the server): where the
 * server's main thread spent its time, by function (self time) and by file or package.
 *
 *   node dist/bench/ingest/profile-top.js <file.cpuprofile> [--top 25] [--from S] [--to S]
 *
 * --from/--to keep only the samples taken between those seconds after the profile started (≈ the server's
 * start; run.js prints each scenario's window when profiling).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

const { values: args, positionals } = parseArgs({
  options: {
    top: { type: 'string', default: '25' },
    from: { type: 'string', default: '0' },
    to: { type: 'string', default: 'Infinity' },
  },
  allowPositionals: true,
});
if (!positionals[0]) throw new Error('usage: profile-top <file.cpuprofile> [--top N]');
const profile = JSON.parse(readFileSync(positionals[0], 'utf8')) as Profile;
const top = Number(args.top);

// Self time per node from the sample stream (each sample's delta is charged to the node it landed on).
const selfUs = new Map<number, number>();
const samples = profile.samples ?? [];
const deltas = profile.timeDeltas ?? [];
const fromUs = Number(args.from) * 1e6;
const toUs = Number(args.to) * 1e6;
let at = 0;
for (let i = 0; i < samples.length; i++) {
  at += deltas[i] ?? 0;
  if (at < fromUs || at > toUs) continue;
  const next = deltas[i + 1] ?? 0;
  selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + next);
}
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;

/** Where a frame comes from: a package, one of Plaza's files, Node itself, or V8's pseudo-frames. */
function origin(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return url;
  const own = url.match(/dist\/(src\/.*)$/);
  return own ? own[1]! : url.replace(/^file:\/\//, '');
}

const byFunction = new Map<string, number>();
const byOrigin = new Map<string, number>();
for (const node of profile.nodes) {
  const us = selfUs.get(node.id) ?? 0;
  if (!us) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const o = origin(url, functionName);
  const fnKey = `${functionName || '(anonymous)'}  ${o}${url ? `:${lineNumber + 1}` : ''}`;
  byFunction.set(fnKey, (byFunction.get(fnKey) ?? 0) + us);
  byOrigin.set(o, (byOrigin.get(o) ?? 0) + us);
}

function print(title: string, m: Map<string, number>): void {
  console.log(`\n${title}`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(
      `${((us / totalUs) * 100).toFixed(1).padStart(6)} %  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`,
    );
  }
}

const window = args.from !== '0' || args.to !== 'Infinity' ? ` between ${args.from} s and ${args.to} s` : '';
console.log(`profile: ${positionals[0]}, ${(totalUs / 1e6).toFixed(1)} s sampled${window}`);
print('self time by file or package', byOrigin);
print('self time by function', byFunction);
