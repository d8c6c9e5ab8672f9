import { Worker } from 'node:worker_threads';
import { PlazaError } from '../core/errors.js';
import type { Progress, RunOptions, RunResult } from './runner.js';
import type { SimulationOptions } from './types.js';

/** Everything a run needs that can cross to a worker thread (no functions, no simulation object). */
export type WorkerRunOptions = Omit<
  RunOptions,
  'simulation' | 'onProgress' | 'onCheckpoint' | 'signal' | 'now'
> & { simulation: SimulationOptions };

export type WorkerMessage =
  | { type: 'progress'; progress: Progress }
  | { type: 'checkpoint'; settled: number }
  | { type: 'done'; result: RunResult }
  | { type: 'error'; code: string; message: string; status: number };

const workerUrl = new URL('./runner-worker.js', import.meta.url);

/**
 * Runs the simulator and its client in a worker thread. In `plaza demo` the collector shares the process:
 * generating and sending events on the main thread would take event-loop time from the server it feeds.
 */
export function runSimulationInWorker(
  options: WorkerRunOptions,
  handlers: Pick<RunOptions, 'onProgress' | 'onCheckpoint' | 'signal'> = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl, { workerData: options });
    const stop = () => worker.postMessage('stop');
    handlers.signal?.addEventListener('abort', stop, { once: true });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      handlers.signal?.removeEventListener('abort', stop);
      fn();
    };
    worker.on('message', (m: WorkerMessage) => {
      switch (m.type) {
        case 'progress':
          handlers.onProgress?.(m.progress);
          break;
        case 'checkpoint':
          void handlers.onCheckpoint?.(m.settled);
          break;
        case 'done':
          finish(() => resolve(m.result));
          break;
        case 'error':
          finish(() => reject(new PlazaError(m.code, m.message, m.status)));
          break;
      }
    });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) =>
      finish(() =>
        reject(
          new PlazaError('simulation_worker_exited', `the simulation worker exited with code ${code}`, 500),
        ),
      ),
    );
    if (handlers.signal?.aborted) stop();
  });
}
