import { useQuery } from '@tanstack/react-query';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ApiError, type ListingStats, type ListingTip, listingLive, listingStats } from './api';
import { useI18n } from './i18n';
import type { PageProps } from './pages';
import { ProjectInput, useProject } from './project';
import { Link } from './router';
import { Card, Empty, ErrorState, LiveCard, Loading, Stat, Table } from './ui';

const noRetryOn4xx = (n: number, e: Error) => !(e instanceof ApiError && e.status < 500) && n < 1;

/** The listing's live counters, polled; a listing the warehouse does not know yet has none for a seller. */
function ListingLiveCard({ project, id }: { project: string; id: string }) {
  const { t, num } = useI18n();
  const q = useQuery({
    queryKey: ['live-listing', project, id],
    queryFn: () => listingLive(project, id),
    refetchInterval: 5_000,
    retry: noRetryOn4xx,
  });
  return (
    <LiveCard q={q}>
      {(live) => (
        <div className="grid grid-cols-2 gap-3">
          <Stat testId="listing-live-views-today" label={t('viewsToday')} value={num(live.views_today)} />
          <Stat testId="listing-live-leads" label={t('leadsLast30Min')} value={num(live.stats?.leads ?? 0)} />
          <p className="col-span-2 text-xs text-slate-500">
            {t('updatedAt')} {new Date(live.at).toLocaleTimeString()}
          </p>
        </div>
      )}
    </LiveCard>
  );
}

/** A tip in the reader's language, from its code and evidence; the API's English text otherwise. */
function useTipText() {
  const { t, num, lang } = useI18n();
  return (tip: ListingTip): string => {
    const e = tip.evidence;
    const n = (k: string) => Number(e[k]);
    const pct = (v: number) => num(v, { style: 'percent', maximumFractionDigits: 1 });
    if (lang === 'en') return tip.text;
    switch (tip.code) {
      case 'price_above_similar':
      case 'price_below_similar':
        return t(tip.code === 'price_above_similar' ? 'tipPriceAbove' : 'tipPriceBelow')
          .replace('{pct}', num(Math.round(Math.abs(n('price') / n('median_price') - 1) * 100)))
          .replace('{median}', num(n('median_price')))
          .replace('{n}', num(n('similar_listings')));
      case 'more_photos': {
        const many = e['with_10_plus'] as { leads_per_listing: number };
        const few = e['with_fewer'] as { leads_per_listing: number };
        return t('tipMorePhotos').replace(
          '{x}',
          num(Number(many.leads_per_listing) / Number(few.leads_per_listing), { maximumFractionDigits: 1 }),
        );
      }
      case 'low_conversion':
        return t('tipLowConversion')
          .replace('{mine}', pct(n('conversion')))
          .replace('{similar}', pct(n('similar_conversion')));
      default:
        return tip.text;
    }
  };
}

function Refused({ error }: { error: unknown }) {
  const { t } = useI18n();
  const status = error instanceof ApiError ? error.status : 0;
  return (
    <div
      className="rounded border border-amber-300 bg-amber-50 p-4 text-sm"
      data-testid="listing-refused"
      data-status={status}
      role="alert"
    >
      <p className="font-medium">{t(status === 403 ? 'listingForbidden' : 'listingNotFound')}</p>
      <p className="mt-1 text-slate-600">{t('listingNotFoundBody')}</p>
      <Link to="/" className="mt-2 inline-block underline">
        {t('goHome')}
      </Link>
    </div>
  );
}

function StatsView({ s }: { s: ListingStats }) {
  const { t, num } = useI18n();
  const tipText = useTipText();
  const money = (v: number | null) =>
    v == null ? '–' : `${num(v, { maximumFractionDigits: 0 })} ${s.listing.currency ?? ''}`.trim();
  const pct = (v: number | null) =>
    v == null ? '–' : num(v, { style: 'percent', maximumFractionDigits: 1 });
  return (
    <>
      <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
        <Stat testId="listing-views" label={t('views')} value={num(s.totals.views)} />
        <Stat testId="listing-contacts" label={t('leads')} value={num(s.totals.contacts)} />
        <Stat testId="listing-conversion" label={t('conversion')} value={pct(s.totals.view_to_contact)} />
        <Stat testId="listing-price" label={t('price')} value={money(s.listing.price)} />
      </div>
      <Card title={t(s.listing.kind === 'product' ? 'activityPerDay' : 'viewsPerDay')} testId="listing-days">
        {s.days.length === 0 ? (
          <Empty>{t('noDataYet')}</Empty>
        ) : (
          <div className="h-56 w-full">
            <ResponsiveContainer>
              <BarChart data={s.days}>
                <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
                <XAxis dataKey="date" fontSize={11} />
                <YAxis fontSize={11} width={40} allowDecimals={false} />
                <Tooltip />
                <Bar dataKey="views" name={t('views')} fill="#4f46e5" />
                {s.listing.kind === 'product' ? (
                  <>
                    <Bar dataKey="add_to_cart" name={t('stepAddToCart')} fill="#d97706" />
                    <Bar dataKey="purchases" name={t('stepPurchase')} fill="#059669" />
                  </>
                ) : (
                  <Bar dataKey="leads" name={t('leads')} fill="#059669" />
                )}
              </BarChart>
            </ResponsiveContainer>
          </div>
        )}
      </Card>
      <Card title={t('similarListings')} testId="listing-similar">
        {s.similar.listings === 0 ? (
          <Empty>{t('noSimilar')}</Empty>
        ) : (
          <Table
            head={['', t('thisListing'), t('similarListings')]}
            rows={[
              [t('price'), money(s.listing.price), `${money(s.similar.median_price)} (${t('median')})`],
              [
                t('priceVsMedian'),
                s.similar.price_vs_median == null
                  ? '–'
                  : `${s.similar.price_vs_median >= 0 ? '+' : ''}${pct(s.similar.price_vs_median)}`,
                '',
              ],
              [
                t('views'),
                num(s.totals.views),
                `${num(s.similar.views_per_listing ?? 0, { maximumFractionDigits: 1 })} ${t('perListing')}`,
              ],
              [
                t('leads'),
                num(s.totals.contacts),
                `${num(s.similar.leads_per_listing ?? 0, { maximumFractionDigits: 1 })} ${t('perListing')}`,
              ],
              [t('conversion'), pct(s.totals.view_to_contact), pct(s.similar.view_to_contact)],
              [t('similarCount'), '', num(s.similar.listings)],
            ]}
          />
        )}
      </Card>
      <Card title={t('tips')} testId="listing-tips">
        {s.tips.length === 0 ? (
          <Empty>{t('noTips')}</Empty>
        ) : (
          <ul className="flex list-disc flex-col gap-1 pl-5 text-sm">
            {s.tips.map((tip) => (
              <li key={tip.code} data-tip={tip.code}>
                {tipText(tip)}
              </li>
            ))}
          </ul>
        )}
      </Card>
    </>
  );
}

/** `/listings/:id`: a listing's figures over the last 30 days, against similar listings, with tips. */
export function ListingPage({ me, params }: PageProps) {
  const { t } = useI18n();
  const [project, setProject] = useProject(me.project_id);
  const id = params['id'] ?? '';
  const q = useQuery({
    queryKey: ['listing-stats', project, id],
    queryFn: () => listingStats(project!, id),
    enabled: project !== null,
    retry: noRetryOn4xx,
  });
  const refused = q.error instanceof ApiError && (q.error.status === 403 || q.error.status === 404);
  return (
    <div className="flex flex-col gap-4" data-testid="listing-page">
      <div className="flex flex-wrap items-end justify-between gap-2">
        <h1 className="text-2xl font-semibold break-words">
          {t('listing')} <span className="text-slate-500">· {q.data?.listing.title ?? id}</span>
        </h1>
        {!me.project_id && <ProjectInput value={project} onChange={setProject} />}
      </div>
      {!project ? null : q.isPending ? (
        <Loading />
      ) : refused ? (
        <Refused error={q.error} />
      ) : q.isError ? (
        q.error instanceof ApiError && q.error.code === 'no_data_yet' ? (
          <Empty>{t('warehouseNotBuilt')}</Empty>
        ) : (
          <ErrorState error={q.error} retry={() => void q.refetch()} />
        )
      ) : (
        <>
          <p className="text-sm text-slate-500" data-testid="listing-range">
            {q.data.time_range.from} – {q.data.time_range.to} · {q.data.listing.listing_id}
            {q.data.listing.status ? ` · ${q.data.listing.status}` : ''}
          </p>
          <ListingLiveCard project={project} id={id} />
          <StatsView s={q.data} />
        </>
      )}
    </div>
  );
}
