import { type FileHandle, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Reads until `length` bytes or end of file; returns the count read. */
export async function readFully(
  handle: FileHandle,
  buf: Buffer,
  length: number,
  position: number,
): Promise<number> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buf, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

export async function writeFully(handle: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await handle.write(buf, done, buf.length - done, position + done);
    done += bytesWritten;
  }
}

/** Makes a created, renamed or deleted directory entry durable (file fsync alone does not cover it). */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces `path` so that a crash leaves either the old or the new content, never a mix. */
export async function writeFileAtomic(path: string, data: string, durable: boolean): Promise<void> {
  const tmp = `${path}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(data);
    if (durable) await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
  if (durable) await fsyncDir(dirname(path));
}

/** Leftovers of writeFileAtomic interrupted by a crash. */
export async function removeTempFiles(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (name.endsWith('.tmp')) await rm(`${dir}/${name}`, { force: true });
  }
}

export const isNotFound = (e: unknown): boolean => (e as NodeJS.ErrnoException | null)?.code === 'ENOENT';
