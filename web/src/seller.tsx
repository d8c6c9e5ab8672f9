import { useQuery } from '@tanstack/react-query';
import { KpiTiles, last30, OverTime, TopTable } from './analytics';
import { type Me, type QueryRequest, sellerLive } from './api';
import { FunnelCard } from './funnel';
import { useI18n } from './i18n';
import { ProjectInput, useProject } from './project';
import { ReportsCard } from './reports';
import { useSellerKind } from './seller-kind';
import { LiveCard, Loading, Stat } from './ui';

/** Live counters of the seller, polled (the project stream carries every seller's counters: not for sellers). */
function SellerLiveCard({ project, seller }: { project: string; seller: string }) {
  const { t, num } = useI18n();
  const q = useQuery({
    queryKey: ['live-seller', project, seller],
    queryFn: () => sellerLive(project, seller),
    refetchInterval: 5_000,
  });
  return (
    <LiveCard q={q}>
      {(live) => (
        <div className="grid grid-cols-2 gap-3">
          <Stat testId="live-visitors" label={t('liveVisitors')} value={num(live.live_visitors)} />
          <Stat testId="views-today" label={t('viewsToday')} value={num(live.views_today)} />
          <p className="col-span-2 text-xs text-slate-500">
            {t('updatedAt')} {new Date(live.at).toLocaleTimeString()}
          </p>
        </div>
      )}
    </LiveCard>
  );
}

/**
 * KPI tiles, their chart and the top listings, in the seller's own terms: leads for a dealer's vehicles,
 * orders and sales for a store's products.
 */
function SellerFigures({ base }: { base: QueryRequest & { project: string; seller_id: string } }) {
  const { r, kind } = useSellerKind(base);
  // Unknown (no warehouse yet, an error): the dealer's figures, whose cards then show that state themselves.
  if (kind === null && r.isPending) return <Loading />;
  const store = kind === 'product';
  const outcome = store
    ? { metric: 'orders', label: 'orders' as const }
    : { metric: 'leads', label: 'leads' as const };
  return (
    <>
      <KpiTiles
        q={base}
        metrics={[
          { metric: 'views', label: 'views' },
          { metric: 'unique_visitors', label: 'uniqueVisitors' },
          outcome,
          store
            ? { metric: 'gmv', label: 'gmv', money: true }
            : { metric: 'lead_conversion', label: 'conversion', percent: true },
        ]}
      />
      <OverTime q={base} metrics={[{ metric: 'views', label: 'views' }, outcome]} />
      <TopTable
        q={base}
        title="topListings"
        dimension="listing"
        dimensionLabel="listing"
        metrics={[
          { metric: 'views', label: 'views' },
          store ? { metric: 'add_to_cart', label: 'stepAddToCart' } : { metric: 'leads', label: 'leads' },
        ]}
        linkTo={(id) => `/listings/${encodeURIComponent(id)}`}
      />
    </>
  );
}

export function SellerDashboard({ me }: { me: Me }) {
  const { t } = useI18n();
  const [project, setProject] = useProject(me.project_id);
  const seller = me.seller_id ?? '';
  const base = project ? { project, seller_id: seller, ...last30() } : null;
  return (
    <div className="flex flex-col gap-4" data-testid="seller-dashboard">
      <div className="flex flex-wrap items-end justify-between gap-2">
        <h1 className="text-2xl font-semibold">
          {t('sellerDashboard')} <span className="text-slate-500">· {seller}</span>
        </h1>
        {!me.project_id && <ProjectInput value={project} onChange={setProject} />}
      </div>
      {project ? (
        <>
          <SellerLiveCard project={project} seller={seller} />
          {base && <SellerFigures base={base} />}
          {base && <FunnelCard project={project} seller={seller} range={base.time_range} />}
          <ReportsCard project={project} seller={seller} />
        </>
      ) : null}
    </div>
  );
}
