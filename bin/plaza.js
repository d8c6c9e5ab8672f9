#!/usr/bin/env node
// DuckDB's queries and the event log's writes and fdatasyncs share libuv's thread pool (4 threads by
// default): a long warehouse load could otherwise make acknowledgements wait behind it. Must be set before
// the pool's first use, hence here, before anything is imported.
process.env.UV_THREADPOOL_SIZE ??= '16';
await import('../dist/src/cli/main.js');
