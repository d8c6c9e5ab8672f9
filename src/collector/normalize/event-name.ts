/** Segment track names ("Product Added") → Plaza event types ("add_to_cart"). */
import { LRUCache } from 'lru-cache';

export const EVENT_TYPE_RE = /^[a-z][a-z0-9_]{0,63}$/;
const MAX_EVENT_TYPE_LENGTH = 64;

/**
 * Segment e-commerce spec v2 events whose Plaza type is not simply their snake_case name. The rest of the spec
 * (Product Viewed, Checkout Started, Cart Viewed, Order Refunded, Coupon Applied, ...) already snake-cases into
 * the name Plaza uses. Keyed by snake_case so 'Product Added', 'product added' and 'product_added' all match.
 */
const SEGMENT_ECOMMERCE_RENAMES: Readonly<Record<string, string>> = {
  products_searched: 'search',
  product_added: 'add_to_cart',
  product_removed: 'remove_from_cart',
  wishlist_product_added_to_cart: 'add_to_cart',
  order_completed: 'purchase_completed',
  product_added_to_wishlist: 'favorite',
  product_removed_from_wishlist: 'favorite_removed',
  product_reviewed: 'review_written',
};

/**
 * snake_case the way Segment's warehouses name tables (lodash-style): 'Signed Up' → 'signed_up',
 * 'productViewed' → 'product_viewed', 'HTTPError' → 'http_error', 'Página Vista' → 'pagina_vista'.
 */
export function toSnakeCase(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** A valid event type built from any name, or null when the name has no letters or digits to build one from. */
export function eventTypeFromName(name: string): string | null {
  let t = toSnakeCase(name);
  if (t === '') return null;
  const renamed = SEGMENT_ECOMMERCE_RENAMES[t];
  if (renamed !== undefined) return renamed;
  if (!/^[a-z]/.test(t)) t = `event_${t}`;
  if (t.length > MAX_EVENT_TYPE_LENGTH) t = t.slice(0, MAX_EVENT_TYPE_LENGTH).replace(/_+$/, '');
  return t;
}

// Track names come from a small set per site; the conversion (Unicode normalisation, four regexes) is not free.
const cache = new LRUCache<string, string | false>({ max: 5_000 });

/** The Plaza event type of a Segment track call's `event`, cached. */
export function segmentTrackEventType(name: string): string | null {
  const hit = cache.get(name);
  if (hit !== undefined) return hit === false ? null : hit;
  const t = eventTypeFromName(name);
  if (name.length <= 200) cache.set(name, t ?? false);
  return t;
}
