import type { KeyValue } from '../ports/key-value.js';
import type { StateStore } from '../ports/state.js';
import type { Warehouse } from '../ports/warehouse.js';
import { ResultCache } from './cache.js';
import { SemanticLayer } from './service.js';

export { registerCatalogueRoutes } from './catalogue-routes.js';
export { registerSemanticRoutes } from './routes.js';

export function createSemanticLayer(o: {
  warehouse: Warehouse;
  kv: KeyValue;
  state: StateStore;
  maxRangeDays: number;
  cacheTtlMinutes: number;
}): SemanticLayer {
  return new SemanticLayer(
    o.warehouse,
    new ResultCache(o.kv, o.state, o.cacheTtlMinutes * 60_000),
    o.maxRangeDays,
  );
}
