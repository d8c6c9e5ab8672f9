import type { Command } from 'commander';
import type { Action } from './quality-commands.js';

const auditColumns = ['at', 'action', 'outcome', 'principal_id', 'email', 'method', 'route', 'status', 'ip'];
const keyColumns = [
  'id',
  'name',
  'role',
  'seller_id',
  'project_id',
  'key_prefix',
  'created_at',
  'last_used_at',
  'revoked_at',
];

/** `plaza audit` and `plaza service-keys`: the audit log, and API keys for machines. */
export function registerAccessCommands(program: Command, action: Action): void {
  program
    .command('audit')
    .description('the audit log: sign-ins (and failures), sign-outs, refresh-token reuse, admin actions')
    .option('--user <idOrEmail>', 'a user id or email, a service key id, or admin-token')
    .option('--action <action>', 'sign_in | sign_out | refresh_reuse | admin_request')
    .option('--outcome <outcome>', 'success | failure')
    .option('--since <time>', 'ISO-8601 time, or a duration back from now: 30m, 24h, 7d')
    .option('--limit <n>', 'how many, newest first', '100')
    .action(
      action(
        async (
          api,
          o: { user?: string; action?: string; outcome?: string; since?: string; limit: string },
        ) => {
          const q = new URLSearchParams({ limit: o.limit });
          for (const k of ['user', 'action', 'outcome', 'since'] as const) {
            const v = o[k];
            if (v !== undefined) q.set(k, v);
          }
          const r = await api.request<{ entries: Record<string, unknown>[] }>('GET', `/v1/admin/audit?${q}`);
          return { data: r.entries, table: { rows: r.entries, columns: auditColumns } };
        },
      ),
    );

  const keys = program
    .command('service-keys')
    .description(
      'API keys for machines (BI tools, a seller back end): role analyst, or seller bound to a seller id',
    );
  keys
    .command('create')
    .requiredOption('--name <name>', 'what uses it, e.g. "metabase"')
    .requiredOption('--role <role>', 'analyst | seller')
    .option('--seller-id <id>', 'the seller whose data it reads (required for, and only for, role seller)')
    .option('--project <id>', 'limit the key to one project (default: every project)')
    .action(
      action(async (api, o: { name: string; role: string; sellerId?: string; project?: string }) => {
        const k = await api.request<{ id: string; secret: string; role: string }>(
          'POST',
          '/v1/admin/service-keys',
          {
            name: o.name,
            role: o.role,
            ...(o.sellerId !== undefined ? { seller_id: o.sellerId } : {}),
            ...(o.project !== undefined ? { project_id: o.project } : {}),
          },
        );
        return {
          data: k,
          text: `${k.secret}\n(${k.role} service key ${k.id}; send it as Authorization: Bearer <key>; it is not shown again)`,
        };
      }),
    );
  keys
    .command('list')
    .option('--all', 'include revoked keys')
    .action(
      action(async (api, o: { all?: boolean }) => {
        const r = await api.request<{ service_keys: Record<string, unknown>[] }>(
          'GET',
          `/v1/admin/service-keys${o.all ? '?include_revoked=true' : ''}`,
        );
        return { data: r.service_keys, table: { rows: r.service_keys, columns: keyColumns } };
      }),
    );
  keys.command('revoke <keyId>').action(
    action(async (api, keyId: string) => ({
      data: await api.request('DELETE', `/v1/admin/service-keys/${encodeURIComponent(keyId)}`),
      text: `revoked ${keyId}`,
    })),
  );
}
