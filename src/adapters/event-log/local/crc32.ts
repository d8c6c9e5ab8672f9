import * as zlib from 'node:zlib';

type Crc32 = (data: Uint8Array, value?: number) => number;

// zlib.crc32 arrived in Node 20.15 / 22.2; `engines` allows any Node 20, so older ones get the table version.
const native = (zlib as unknown as { crc32?: Crc32 }).crc32;

let table: Uint32Array | undefined;

function crcTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

/** CRC-32 (IEEE, the zlib/PNG polynomial) written in JS; same results as zlib.crc32. */
export function tableCrc32(data: Uint8Array, value = 0): number {
  table ??= crcTable();
  let c = (value ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export const crc32: Crc32 = typeof native === 'function' ? native : tableCrc32;
