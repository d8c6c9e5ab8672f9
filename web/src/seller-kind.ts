import { useSemanticQuery } from './analytics';

/**
 * What a seller sells, from their own data: the kind of listing most of their views went to (a dealer's
 * vehicles or a store's products), and whether their vehicles had test drives. `kind` is null while unknown.
 * The dashboard's tiles and the funnel both ask this one question, so it is fetched once.
 */
export function useSellerKind(q: {
  project: string;
  seller_id: string;
  time_range: { from: string; to: string };
}) {
  const r = useSemanticQuery({
    project: q.project,
    seller_id: q.seller_id,
    time_range: q.time_range,
    metrics: ['views', 'test_drives'],
    dimensions: ['listing_kind'],
  });
  if (!r.data) return { r, kind: null, testDrives: false };
  const rows = r.data.rows;
  const of = (kind: string, metric: string) =>
    Number(rows.find((x) => x['listing_kind'] === kind)?.[metric] ?? 0);
  const kind: 'vehicle' | 'product' = of('product', 'views') > of('vehicle', 'views') ? 'product' : 'vehicle';
  return { r, kind, testDrives: of('vehicle', 'test_drives') > 0 };
}
