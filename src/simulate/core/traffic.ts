/**
 * Where sessions come from: direct visits, Google (organic and ads), Facebook and Instagram, links shared on
 * WhatsApp, the newsletter, other sites. Each source fixes the referrer, the UTM campaign and what kind of
 * page the visitor lands on. Returning and registered buyers come direct and by email more often.
 */
import type { Rng } from './rng.js';
import type { Site, TrafficSource } from './vertical.js';

const GOOGLE = ['https://www.google.com/', 'https://www.google.com.do/', 'https://www.google.com/'];
const SOCIAL = [
  ['facebook', 'https://m.facebook.com/'],
  ['facebook', 'https://l.facebook.com/'],
  ['instagram', 'https://l.instagram.com/'],
  ['instagram', 'https://www.instagram.com/'],
] as const;
const REFERRALS = [
  'https://www.diariolibre.com/economia',
  'https://listindiario.com/economia',
  'https://www.reddit.com/r/Dominican/',
  'https://duckduckgo.com/',
  'https://www.bing.com/',
];

/** Draws the source of a session. `returning` and `registered` shift the mix towards direct and email. */
export function trafficSource(rng: Rng, site: Site, returning: boolean, registered: boolean): TrafficSource {
  const channel = rng.weighted([
    ['direct', returning ? 0.36 : 0.18],
    ['organic', returning ? 0.24 : 0.34],
    ['paid', 0.08],
    ['social', 0.15],
    ['whatsapp', 0.1],
    ['email', registered ? 0.08 : 0],
    ['referral', 0.03],
  ]);
  const campaign = rng.pick(site.campaigns);
  switch (channel) {
    case 'direct':
      return { channel, referrer: '', utm: null, landing: rng.chance(0.8) ? 'home' : 'item' };
    case 'organic':
      return {
        channel,
        referrer: rng.pick(GOOGLE),
        utm: null,
        landing: rng.chance(0.55) ? 'search' : 'item',
      };
    case 'paid':
      return {
        channel,
        referrer: 'https://www.google.com/',
        utm: { source: 'google', medium: 'cpc', campaign, term: rng.pick(site.adTerms) },
        landing: 'search',
      };
    case 'social': {
      const [network, referrer] = rng.pick(SOCIAL);
      const paid = rng.chance(0.6);
      return {
        channel,
        referrer,
        utm: paid
          ? {
              source: network,
              medium: 'paid_social',
              campaign,
              content: rng.pick(['carrusel', 'video', 'historia']),
            }
          : { source: network, medium: 'social', campaign: 'organico' },
        landing: rng.chance(0.6) ? 'item' : 'search',
      };
    }
    case 'whatsapp':
      // WhatsApp does not pass a referrer; shared links carry the site's own share parameters.
      return {
        channel,
        referrer: '',
        utm: { source: 'whatsapp', medium: 'share', campaign: 'compartir' },
        landing: 'item',
      };
    case 'email':
      return {
        channel,
        referrer: '',
        utm: { source: 'newsletter', medium: 'email', campaign: 'boletin_semanal' },
        landing: rng.chance(0.5) ? 'search' : 'item',
      };
    default:
      return {
        channel: 'referral',
        referrer: rng.pick(REFERRALS),
        utm: null,
        landing: rng.chance(0.5) ? 'home' : 'item',
      };
  }
}

/** The landing URL's query string for a source's UTM parameters ('' when none). */
export function utmQuery(source: TrafficSource): string {
  const u = source.utm;
  if (u === null) return '';
  let q = `utm_source=${encodeURIComponent(u.source)}&utm_medium=${encodeURIComponent(u.medium)}&utm_campaign=${encodeURIComponent(u.campaign)}`;
  if (u.term !== undefined) q += `&utm_term=${encodeURIComponent(u.term)}`;
  if (u.content !== undefined) q += `&utm_content=${encodeURIComponent(u.content)}`;
  return q;
}
