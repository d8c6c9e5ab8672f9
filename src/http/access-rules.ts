import { type AccessPolicy, access } from './access.js';
import { collectPaths } from './routes/ingest.js';

/**
 * Policies of routes whose modules do not declare one in their route options. A route's own
 * `config.access` wins over this table. Order matters: the first matching rule applies.
 */
const rules: { matches: (url: string) => boolean; policy: AccessPolicy }[] = [
  { matches: (url) => collectPaths.has(url), policy: access.writeKey },
  // Projects, write keys, schemas, dead letters, users, service keys, stream replays, audit.
  { matches: (url) => url.startsWith('/v1/admin/'), policy: access.admin },
  // Pipeline runs and backfills, data-quality results and quarantine releases: operations, admins only.
  { matches: (url) => url === '/v1/pipelines' || url.startsWith('/v1/pipelines/'), policy: access.admin },
  { matches: (url) => url === '/v1/quality' || url.startsWith('/v1/quality/'), policy: access.admin },
  {
    matches: (url) => url === '/v1/health/ingestion',
    policy: access.public('consumer lag per group: no event data, what a load balancer or status page polls'),
  },
];

export type PolicySource = 'route' | 'rules' | 'outside-api' | 'none';

/**
 * The policy of a route: its declared one, else the first matching rule, else public for paths outside /v1/
 * (probes, metrics, documentation). A /v1/ route with none gets `undefined`: the caller serves it to admins
 * only and the route-table test fails until it declares one.
 */
export function resolvePolicy(
  url: string,
  declared: AccessPolicy | undefined,
): { policy: AccessPolicy | undefined; source: PolicySource } {
  if (declared) return { policy: declared, source: 'route' };
  const rule = rules.find((r) => r.matches(url));
  if (rule) return { policy: rule.policy, source: 'rules' };
  if (!url.startsWith('/v1/'))
    return {
      policy: access.public('outside the API: probes, metrics, documentation'),
      source: 'outside-api',
    };
  return { policy: undefined, source: 'none' };
}
