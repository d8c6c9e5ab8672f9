/**
 * A session's traffic source, from its first event: campaign parameters when the landing URL has a
 * utm_source; otherwise the referrer's host, classified: search engines → medium `organic`, social networks
 * and messengers → `social`, any other site → `referral`, no referrer (or the site itself) → source
 * `(direct)`, medium `(none)`.
 */
export interface TrafficSource {
  source: string;
  medium: string | null;
  campaign: string | null;
}

export interface SourceInput {
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  referrerHost: string | null;
  pageHost: string | null;
}

/** Host label (second-level name, or the whole host for short ones) → source name. */
const searchEngines: Record<string, string> = {
  google: 'google',
  bing: 'bing',
  yahoo: 'yahoo',
  duckduckgo: 'duckduckgo',
  yandex: 'yandex',
  baidu: 'baidu',
  ecosia: 'ecosia',
  ask: 'ask',
  naver: 'naver',
  brave: 'brave',
};

const socialNetworks: Record<string, string> = {
  facebook: 'facebook',
  fb: 'facebook',
  instagram: 'instagram',
  twitter: 'twitter',
  't.co': 'twitter',
  'x.com': 'twitter',
  linkedin: 'linkedin',
  'lnkd.in': 'linkedin',
  tiktok: 'tiktok',
  youtube: 'youtube',
  'youtu.be': 'youtube',
  pinterest: 'pinterest',
  reddit: 'reddit',
  whatsapp: 'whatsapp',
  'wa.me': 'whatsapp',
  telegram: 'telegram',
  't.me': 'telegram',
  snapchat: 'snapchat',
  threads: 'threads',
};

const direct: TrafficSource = { source: '(direct)', medium: '(none)', campaign: null };

const stripWww = (host: string): string => (host.startsWith('www.') ? host.slice(4) : host);

/** The labels of a host that can name a site: "l.facebook.com" → facebook, "google.com.do" → google. */
function siteLabels(host: string): string[] {
  const labels = host.split('.');
  return labels.slice(0, Math.max(1, labels.length - 1));
}

export function classifyReferrer(referrerHost: string | null, pageHost: string | null): TrafficSource {
  if (!referrerHost) return direct;
  const host = stripWww(referrerHost.toLowerCase());
  if (pageHost && host === stripWww(pageHost.toLowerCase())) return direct;
  const social = socialNetworks[host];
  if (social) return { source: social, medium: 'social', campaign: null };
  for (const label of siteLabels(host)) {
    const engine = searchEngines[label];
    if (engine) return { source: engine, medium: 'organic', campaign: null };
    const network = socialNetworks[label];
    if (network) return { source: network, medium: 'social', campaign: null };
  }
  return { source: host, medium: 'referral', campaign: null };
}

export function trafficSource(i: SourceInput): TrafficSource {
  if (i.utmSource) return { source: i.utmSource, medium: i.utmMedium, campaign: i.utmCampaign };
  const r = classifyReferrer(i.referrerHost, i.pageHost);
  return i.utmCampaign ? { ...r, campaign: i.utmCampaign } : r;
}
