/**
 * JSON.stringify recurses and overflows the stack on values nested a few thousand levels deep, which
 * JSON.parse accepts without complaint; hostile bodies do exactly that. This serialiser walks iteratively so
 * any parsed value can be written back (used to keep such payloads as dead letters).
 */
export function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
  }
  const out: string[] = [];
  type Frame = { v: unknown } | { text: string };
  const stack: Frame[] = [{ v: value }];
  while (stack.length > 0) {
    const f = stack.pop()!;
    if ('text' in f) {
      out.push(f.text);
      continue;
    }
    const v = f.v;
    if (Array.isArray(v)) {
      const frames: Frame[] = [{ text: '[' }];
      v.forEach((item, i) => {
        if (i > 0) frames.push({ text: ',' });
        frames.push({ v: item === undefined || typeof item === 'function' ? null : item });
      });
      frames.push({ text: ']' });
      for (let i = frames.length - 1; i >= 0; i--) stack.push(frames[i]!);
    } else if (typeof v === 'object' && v !== null) {
      const frames: Frame[] = [{ text: '{' }];
      let first = true;
      for (const [k, item] of Object.entries(v)) {
        if (item === undefined || typeof item === 'function') continue;
        frames.push({ text: `${first ? '' : ','}${JSON.stringify(k)}:` });
        frames.push({ v: item });
        first = false;
      }
      frames.push({ text: '}' });
      for (let i = frames.length - 1; i >= 0; i--) stack.push(frames[i]!);
    } else {
      out.push(JSON.stringify(v) ?? 'null');
    }
  }
  return out.join('');
}
