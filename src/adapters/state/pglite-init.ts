/**
 * Creates a PGlite data directory, run as a child process by PgliteState.open: initdb's WebAssembly heap
 * (~600 MB) can never be returned to the OS, so it must die with a process of its own.
 */
import { PGlite } from '@electric-sql/pglite';
import { pgliteOptions } from './pglite-options.js';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: pglite-init DIR');
const db = new PGlite(dir, pgliteOptions);
await db.waitReady;
await db.close();
