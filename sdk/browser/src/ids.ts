/** Random v4 UUIDs; crypto.randomUUID exists only in secure contexts, so fall back to getRandomValues. */
export function uuid(): string {
  // `crypto`, not globalThis.crypto: globalThis is younger than the ES2018 browsers this bundle targets.
  const c = crypto;
  if (typeof c.randomUUID === 'function') return c.randomUUID();
  const b = new Uint8Array(16);
  c.getRandomValues(b);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  let h = '';
  for (let i = 0; i < 16; i++) {
    h += (b[i]! + 0x100).toString(16).slice(1);
    if (i === 3 || i === 5 || i === 7 || i === 9) h += '-';
  }
  return h;
}
