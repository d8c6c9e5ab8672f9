/**
 * Devices, browsers and networks of Dominican visitors: mostly Android phones (Samsung, Motorola, Xiaomi),
 * iPhones, Windows desktops, a few tablets and in-app browsers. User agents are real strings of the kind
 * Plaza's enricher parses; IPs come from ranges of the country's large ISPs.
 */
import { type Rng, WeightedTable } from './rng.js';
import type { Device, DeviceKind, Language } from './vertical.js';

export const deviceKinds = WeightedTable.of<DeviceKind>([
  ['mobile', 0.68],
  ['desktop', 0.27],
  ['tablet', 0.05],
]);

const MOBILE_UA = WeightedTable.of([
  [
    'Mozilla/5.0 (Linux; Android 14; SM-A155M) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.104 Mobile Safari/537.36',
    14,
  ],
  [
    'Mozilla/5.0 (Linux; Android 13; SM-A042M) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.107 Mobile Safari/537.36',
    10,
  ],
  [
    'Mozilla/5.0 (Linux; Android 14; SM-A346M) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36',
    8,
  ],
  [
    'Mozilla/5.0 (Linux; Android 13; moto g(32)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.6668.100 Mobile Safari/537.36',
    8,
  ],
  [
    'Mozilla/5.0 (Linux; Android 14; 23129RAA4G) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.104 Mobile Safari/537.36',
    9,
  ],
  [
    'Mozilla/5.0 (Linux; Android 12; TECNO KI5q) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.6613.127 Mobile Safari/537.36',
    4,
  ],
  [
    'Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36',
    5,
  ],
  [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
    12,
  ],
  [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
    10,
  ],
  [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1',
    3,
  ],
  [
    'Mozilla/5.0 (Linux; Android 14; SM-A155M Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.104 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/489.0.0.56.109;]',
    4,
  ],
  [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 356.0.0.24.96 (iPhone14,5; iOS 17_6_1; es_US; es; scale=3.00; 1170x2532)',
    3,
  ],
] as const);

const DESKTOP_UA = WeightedTable.of([
  [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    50,
  ],
  [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
    15,
  ],
  [
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
    12,
  ],
  [
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    10,
  ],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0', 8],
  [
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    2,
  ],
] as const);

const TABLET_UA = WeightedTable.of([
  [
    'Mozilla/5.0 (iPad; CPU OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
    55,
  ],
  [
    'Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.104 Safari/537.36',
    35,
  ],
  [
    'Mozilla/5.0 (Linux; Android 12; Lenovo TB-X606F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/127.0.6533.103 Safari/537.36',
    10,
  ],
] as const);

/** First two octets of address blocks of Claro, Altice and other Dominican ISPs. */
const IP_PREFIXES = [
  '152.166',
  '152.167',
  '186.6',
  '186.7',
  '186.150',
  '190.52',
  '190.80',
  '190.122',
  '190.166',
  '190.167',
  '200.88',
  '181.36',
  '148.101',
  '179.52',
];

export function userAgent(rng: Rng, kind: DeviceKind): string {
  return (kind === 'mobile' ? MOBILE_UA : kind === 'desktop' ? DESKTOP_UA : TABLET_UA).draw(rng);
}

export function ip(rng: Rng): string {
  return `${rng.pick(IP_PREFIXES)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
}

export function newDevice(rng: Rng, kind: DeviceKind, language: Language): Device {
  return {
    kind,
    userAgent: userAgent(rng, kind),
    anonymousId: rng.uuid(),
    ip: ip(rng),
    locale: locale(rng, language),
    signedIn: false,
  };
}

/** A browser locale for the buyer's language: Dominican Spanish mostly, and the diaspora's US English. */
export function locale(rng: Rng, language: Language): string {
  if (language === 'en') return rng.chance(0.85) ? 'en-US' : 'en-GB';
  return rng.weighted([
    ['es-DO', 0.55],
    ['es-419', 0.2],
    ['es-US', 0.15],
    ['es-ES', 0.1],
  ]);
}
