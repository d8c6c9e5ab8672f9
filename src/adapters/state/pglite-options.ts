import type { PGliteOptions } from '@electric-sql/pglite';

/**
 * PGlite's own defaults plus a small buffer pool: Plaza's state (projects, keys, schemas, dead letters,
 * runs) is small and read through indexes, and the default 128 MB of shared_buffers made up half of an
 * idle server's memory.
 */
export const pgliteOptions: PGliteOptions = {
  startParams: [
    '--single',
    '-F',
    '-O',
    '-j',
    '-c',
    'search_path=public',
    '-c',
    'exit_on_error=false',
    '-c',
    'log_checkpoints=false',
    '-c',
    'max_worker_processes=0',
    '-c',
    'max_parallel_workers=0',
    '-c',
    'max_parallel_workers_per_gather=0',
    '-c',
    'io_method=sync',
    '-c',
    'max_parallel_maintenance_workers=0',
    '-c',
    'shared_buffers=8MB',
  ],
};
