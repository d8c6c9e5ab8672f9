/** The worker-thread side of run-in-worker.ts. */
import { parentPort, workerData } from 'node:worker_threads';
import { isPlazaError } from '../core/errors.js';
import { createSimulation } from './index.js';
import type { WorkerMessage, WorkerRunOptions } from './run-in-worker.js';
import { runSimulation } from './runner.js';

const port = parentPort!;
const options = workerData as WorkerRunOptions;
const post = (m: WorkerMessage) => port.postMessage(m);
const ac = new AbortController();
port.on('message', (m) => {
  if (m === 'stop') ac.abort();
});

const simulation = createSimulation(options.simulation);
try {
  const result = await runSimulation({
    ...options,
    simulation,
    signal: ac.signal,
    onProgress: (progress) => post({ type: 'progress', progress }),
    onCheckpoint: (settled) => post({ type: 'checkpoint', settled }),
  });
  post({ type: 'done', result });
} catch (e) {
  post(
    isPlazaError(e)
      ? { type: 'error', code: e.code, message: e.message, status: e.status }
      : { type: 'error', code: 'simulation_failed', message: (e as Error).stack ?? String(e), status: 500 },
  );
} finally {
  await simulation.close();
  port.close();
}
