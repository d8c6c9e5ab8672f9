import { fork } from 'node:child_process';
import type { LoadResult, LoadScenario } from './load.js';

const loadJs = new URL('./load.js', import.meta.url).pathname;

/** Runs one scenario in a fresh load process, so the load generator never shares a core's event loop. */
export function driveLoad(s: LoadScenario): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(loadJs, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (m: { result?: LoadResult; error?: string }) =>
      m.result ? resolve(m.result) : reject(new Error(`load generator failed: ${m.error}`)),
    );
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load generator exited with ${code}`));
    });
    child.send(s);
  });
}
