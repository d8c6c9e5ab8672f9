import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ApiError, funnel } from './api';
import { type Key, useI18n } from './i18n';
import { useSellerKind } from './seller-kind';
import { Card, Empty, ErrorState, Loading } from './ui';

/** The steps of each vertical, in order: a vehicle ad leads to a contact (and a test drive), a product to a sale. */
const vehicleSteps = ['listing_viewed', 'contact_sent'];
const storeSteps = ['product_viewed', 'add_to_cart', 'checkout_started', 'purchase_completed'];

const stepLabel: Record<string, Key> = {
  listing_viewed: 'stepView',
  product_viewed: 'stepView',
  contact_sent: 'stepLead',
  test_drive_requested: 'stepTestDrive',
  add_to_cart: 'stepAddToCart',
  checkout_started: 'stepCheckout',
  purchase_completed: 'stepPurchase',
};

/** The funnel that fits what the seller sells; null while unknown. */
function useSteps(q: { project: string; seller_id: string; time_range: { from: string; to: string } }) {
  const { r, kind, testDrives } = useSellerKind(q);
  if (kind === null) return { r, steps: null };
  if (kind === 'product') return { r, steps: storeSteps };
  return { r, steps: testDrives ? [...vehicleSteps, 'test_drive_requested'] : vehicleSteps };
}

export function FunnelCard({
  project,
  seller,
  range,
}: {
  project: string;
  seller: string;
  range: { from: string; to: string };
}) {
  const { t, num } = useI18n();
  const base = { project, seller_id: seller, time_range: range };
  const { r: kinds, steps } = useSteps(base);
  const f = useQuery({
    queryKey: ['funnel', base, steps],
    queryFn: () => funnel({ ...base, steps: steps! }),
    enabled: steps !== null,
    retry: (n, e) => !(e instanceof ApiError && e.status < 500) && n < 1,
  });
  const pct = (v: number | null) =>
    v == null ? '–' : num(v, { style: 'percent', maximumFractionDigits: 1 });
  const noData = (e: unknown) => e instanceof ApiError && e.code === 'no_data_yet';

  let body: ReactNode;
  if (kinds.isError)
    body = noData(kinds.error) ? (
      <Empty>{t('warehouseNotBuilt')}</Empty>
    ) : (
      <ErrorState error={kinds.error} retry={() => void kinds.refetch()} />
    );
  else if (kinds.data === null) body = <Empty>{t('queryNotAvailable')}</Empty>;
  else if (!steps || f.isPending) body = <Loading />;
  else if (f.isError)
    body = noData(f.error) ? (
      <Empty>{t('warehouseNotBuilt')}</Empty>
    ) : (
      <ErrorState error={f.error} retry={() => void f.refetch()} />
    );
  else if ((f.data.steps[0]?.count ?? 0) === 0) body = <Empty>{t('funnelEmpty')}</Empty>;
  else {
    const first = f.data.steps[0]!.count;
    body = (
      <>
        <p className="mb-2 text-xs text-slate-500">{t('funnelNote')}</p>
        <ol
          className="flex flex-col gap-2"
          data-testid="funnel-steps"
          data-from={range.from}
          data-to={range.to}
          data-steps={steps.join(',')}
        >
          {f.data.steps.map((s) => (
            <li
              key={s.step}
              data-testid={`funnel-step-${s.step}`}
              data-event={s.event_type}
              data-count={s.count}
            >
              <div className="flex flex-wrap items-baseline justify-between gap-x-3 text-sm">
                <span className="font-medium">
                  {s.step}. {t(stepLabel[s.event_type] ?? 'stepView')}
                </span>
                <span className="tabular-nums text-slate-600">
                  <strong className="text-slate-900" data-value>
                    {num(s.count)}
                  </strong>
                  {s.step > 1 && (
                    <>
                      {' · '}
                      {pct(s.conversion_from_previous)} {t('fromPrevious')}
                      {' · '}
                      {pct(s.conversion_from_first)} {t('fromFirst')}
                    </>
                  )}
                </span>
              </div>
              <div className="mt-1 h-3 w-full rounded bg-slate-100">
                <div
                  className="h-3 rounded bg-indigo-500"
                  style={{ width: `${first > 0 && s.count > 0 ? Math.max(1, (s.count / first) * 100) : 0}%` }}
                />
              </div>
            </li>
          ))}
        </ol>
      </>
    );
  }
  return (
    <Card title={t('funnel')} testId="funnel">
      {body}
    </Card>
  );
}
