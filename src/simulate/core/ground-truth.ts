/**
 * Ground-truth files: one NDJSON file per kind of label (`<dir>/<kind>.ndjson`), streamed as the simulation
 * runs so that memory stays bounded however long it goes. Writes are synchronous and buffered: the event
 * iterator is synchronous, and batching keeps the system calls rare.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const FLUSH_AT = 64 * 1024;

export interface GroundTruth {
  /** False when no directory was given: callers may skip building records. */
  readonly enabled: boolean;
  write(kind: string, record: object): void;
  close(): void;
}

class NullTruth implements GroundTruth {
  readonly enabled = false;
  write(): void {}
  close(): void {}
}

interface OpenFile {
  fd: number;
  buffer: string;
}

class FileTruth implements GroundTruth {
  readonly enabled = true;
  private readonly files = new Map<string, OpenFile>();
  private closed = false;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  write(kind: string, record: object): void {
    if (this.closed) return;
    let file = this.files.get(kind);
    if (file === undefined) {
      // 'w' truncates: a new run with the same directory rewrites the files rather than appending.
      file = { fd: openSync(join(this.dir, `${kind}.ndjson`), 'w'), buffer: '' };
      this.files.set(kind, file);
    }
    file.buffer += `${JSON.stringify(record)}\n`;
    if (file.buffer.length >= FLUSH_AT) {
      writeSync(file.fd, file.buffer);
      file.buffer = '';
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const file of this.files.values()) {
      if (file.buffer.length > 0) writeSync(file.fd, file.buffer);
      closeSync(file.fd);
    }
    this.files.clear();
  }
}

export function groundTruth(dir: string | undefined): GroundTruth {
  return dir === undefined ? new NullTruth() : new FileTruth(dir);
}
