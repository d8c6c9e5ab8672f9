import { browsing } from './browsing.js';
import { commerce } from './commerce.js';
import type { CatalogueEntry } from './common.js';
import { dealer } from './dealer.js';
import { identity } from './identity.js';
import { leads } from './leads.js';
import { ml } from './ml.js';
import { reviews } from './reviews.js';
import { sellers } from './sellers.js';

export type { CatalogueEntry, JsonSchema } from './common.js';
export { SCHEMA_DIALECT } from './common.js';

/** Plaza's built-in event types. They apply to every project; projects add types and versions on top. */
export const catalogue: CatalogueEntry[] = [
  ...browsing,
  ...leads,
  ...commerce,
  ...reviews,
  ...dealer,
  ...sellers,
  ...identity,
  ...ml,
];
