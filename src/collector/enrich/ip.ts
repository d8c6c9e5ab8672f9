/** IP anonymisation before anything is stored. */
import { isIP } from 'node:net';
import type { IpMode } from '../types.js';

/** IPv6 as eight numbers, or null. Node's URL parser does the hard part (:: and dotted IPv4 tails). */
function ipv6Groups(ip: string): number[] | null {
  let host: string;
  try {
    host = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
  const [head = '', tail] = host.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.length === 8 ? groups.map((g) => Number.parseInt(g, 16)) : null;
}

function formatIpv6(groups: number[]): string {
  // The URL parser writes the canonical RFC 5952 form (lowercase, longest zero run as ::).
  return new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]/`).hostname.slice(1, -1);
}

const truncateIpv4 = (ip: string): string => `${ip.slice(0, ip.lastIndexOf('.'))}.0`;

/**
 * The address to store under `mode`, or null when it is dropped or is not an IP address at all.
 * truncate: IPv4 keeps its first 24 bits (1.2.3.4 → 1.2.3.0), IPv6 its first 48 (a routing prefix, which
 * locates a network, not a household); IPv4-mapped IPv6 (::ffff:1.2.3.4, as Node reports IPv4 clients on
 * dual-stack sockets) is treated as the IPv4 address. keep: the address as received, if it is one.
 */
export function anonymizeIp(raw: string, mode: IpMode): string | null {
  if (mode === 'drop') return null;
  const zone = raw.indexOf('%');
  const ip = zone === -1 ? raw : raw.slice(0, zone);
  const version = isIP(ip);
  if (version === 0) return null;
  if (mode === 'keep') return raw;
  if (version === 4) return truncateIpv4(ip);
  const lower = ip.toLowerCase();
  if (lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4) return truncateIpv4(lower.slice(7));
  const g = ipv6Groups(ip);
  if (g === null) return null;
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `${(g[6] ?? 0) >> 8}.${(g[6] ?? 0) & 0xff}.${(g[7] ?? 0) >> 8}.0`;
  }
  return formatIpv6([g[0] ?? 0, g[1] ?? 0, g[2] ?? 0, 0, 0, 0, 0, 0]);
}
