/**
 * Where the tracker keeps its ids: localStorage when the browser allows it, first-party cookies when storage
 * is blocked (some privacy modes throw on access), memory as the last resort. The offline queue needs
 * localStorage; cookies are too small for it, so without storage undelivered events live only in memory.
 */
export interface KeyValue {
  get(key: string): string | null;
  set(key: string, value: string): void;
  remove(key: string): void;
  /** Keys starting with prefix (empty for stores that cannot list). */
  keys(prefix: string): string[];
}

export function localStore(): KeyValue | null {
  try {
    const ls = window.localStorage;
    const probe = '__plaza_probe';
    ls.setItem(probe, '1');
    ls.removeItem(probe);
    return {
      get: (k) => ls.getItem(k),
      set: (k, v) => ls.setItem(k, v),
      remove: (k) => ls.removeItem(k),
      keys: (prefix) => {
        const out: string[] = [];
        for (let i = 0; i < ls.length; i++) {
          const k = ls.key(i);
          if (k?.startsWith(prefix)) out.push(k);
        }
        return out;
      },
    };
  } catch {
    return null;
  }
}

const YEAR_S = 365 * 24 * 3600;

function cookieStore(): KeyValue {
  const secure = location.protocol === 'https:' ? '; Secure' : '';
  const write = (k: string, v: string, maxAge: number) => {
    // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is async and missing from older Safari and Firefox
    document.cookie = `${k}=${encodeURIComponent(v)}; path=/; max-age=${maxAge}; SameSite=Lax${secure}`;
  };
  return {
    get: (k) => {
      for (const part of document.cookie.split('; ')) {
        const i = part.indexOf('=');
        if (part.slice(0, i) === k) return decodeURIComponent(part.slice(i + 1));
      }
      return null;
    },
    set: (k, v) => write(k, v, YEAR_S),
    remove: (k) => write(k, '', 0),
    keys: () => [],
  };
}

function memoryStore(): KeyValue {
  const m = new Map<string, string>();
  return {
    get: (k) => m.get(k) ?? null,
    set: (k, v) => void m.set(k, v),
    remove: (k) => void m.delete(k),
    keys: () => [],
  };
}

/** The store for ids: localStorage, else cookies when they work, else memory. */
export function idStore(local: KeyValue | null): KeyValue {
  if (local) return local;
  try {
    const c = cookieStore();
    c.set('__plaza_probe', '1');
    const ok = c.get('__plaza_probe') === '1';
    c.remove('__plaza_probe');
    if (ok) return c;
  } catch {
    // cookies disabled: fall through
  }
  return memoryStore();
}
