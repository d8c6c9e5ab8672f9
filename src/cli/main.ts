import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { createPlaza, type Role, version } from '../app/compose.js';
import { type ConfigInput, loadConfig, type PlazaConfig } from '../config/config.js';
import { isPlazaError, PlazaError } from '../core/errors.js';
import { registerAccessCommands } from './access-commands.js';
import { type ApiClient, connect } from './client.js';
import { printJson, printTable } from './output.js';
import { registerPipelineCommands } from './pipeline-commands.js';
import { registerQualityCommands } from './quality-commands.js';
import { registerSimulationCommands } from './simulation-commands.js';

interface GlobalOpts {
  dataDir?: string;
  config?: string;
  json?: boolean;
}

const program = new Command('plaza')
  .description('Plaza: event analytics and machine learning for online marketplaces')
  .version(version)
  .option('--data-dir <dir>', 'data directory (default ./.plaza, or PLAZA_DATA_DIR)')
  .option('--config <file>', 'JSON config file (or PLAZA_CONFIG)')
  .option('--json', 'print results as JSON')
  .showHelpAfterError();

function configOf(cmd: Command, overrides: Record<string, unknown> = {}): PlazaConfig {
  const g = cmd.optsWithGlobals<GlobalOpts>();
  return loadConfig({
    ...(g.config ? { configFile: g.config } : {}),
    overrides: { ...(g.dataDir ? { dataDir: g.dataDir } : {}), ...overrides } as ConfigInput,
  });
}

/** Runs a command against the API (running server or embedded), printing the result. */
function action<A extends unknown[]>(
  fn: (
    api: ApiClient,
    ...args: A
  ) => Promise<{
    data: unknown;
    table?: { rows: Record<string, unknown>[]; columns: string[] };
    text?: string;
  }>,
  roles: Role[] = [],
) {
  return async (...args: A) => {
    const cmd = args[args.length - 1] as Command;
    const api = await connect(configOf(cmd), roles);
    try {
      const out = await fn(api, ...args);
      if (cmd.optsWithGlobals<GlobalOpts>().json) printJson(out.data);
      else if (out.table) printTable(out.table.rows, out.table.columns);
      else if (out.text !== undefined) process.stdout.write(`${out.text}\n`);
      else printJson(out.data);
    } finally {
      await api.close();
    }
  };
}

program
  .command('up')
  .description('run every role in one process on embedded storage (collector, workers, API)')
  .option('--port <port>', 'HTTP port (default 8080, or PLAZA_PORT)')
  .option('--host <host>', 'address to listen on (default 127.0.0.1, or PLAZA_HOST)')
  .action(async (opts: { port?: string; host?: string }, cmd: Command) => {
    const config = configOf(cmd, {
      ...(opts.port ? { port: opts.port } : {}),
      ...(opts.host ? { host: opts.host } : {}),
    });
    const plaza = await createPlaza(config, { roles: ['collector', 'worker'] });
    const addr = await plaza.listen();
    plaza.logger.info(
      {
        url: addr.url,
        dataDir: config.dataDir,
        docs: `${addr.url}/docs`,
        state: plaza.stores.state.kind,
        kv: plaza.stores.kv.kind,
      },
      'plaza is up',
    );
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      plaza.logger.info({ signal }, 'stopping: finishing in-flight requests, flushing, closing stores');
      const force = setTimeout(() => {
        plaza.logger.error('shutdown took longer than 30 s; exiting');
        process.exit(1);
      }, 30_000);
      force.unref();
      await plaza.close();
      plaza.logger.info('stopped');
      process.exit(0);
    };
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.on('SIGINT', () => void stop('SIGINT'));
  });

function settingsOf(o: { ipMode?: string; unknownEvents?: string; timeZone?: string; maxPastDays?: string }) {
  let maxPastMs: number | undefined;
  if (o.maxPastDays !== undefined) {
    const days = Number(o.maxPastDays);
    if (!Number.isInteger(days) || days < 0)
      throw new PlazaError(
        'bad_option',
        `--max-past-days must be a whole number of days, got "${o.maxPastDays}"`,
        400,
      );
    maxPastMs = days * 86_400_000;
  }
  return {
    ...(o.ipMode ? { ipMode: o.ipMode } : {}),
    ...(o.unknownEvents ? { unknownEventPolicy: o.unknownEvents } : {}),
    ...(o.timeZone ? { timeZone: o.timeZone } : {}),
    ...(maxPastMs !== undefined ? { maxPastMs } : {}),
  };
}

const projects = program.command('projects').description('projects: one per marketplace');
projects
  .command('create <id>')
  .option('--name <name>', 'display name')
  .option('--ip-mode <mode>', 'truncate | drop | keep (default truncate)')
  .option('--unknown-events <policy>', 'accept | reject events of unregistered types (default accept)')
  .option('--time-zone <tz>', 'IANA time zone (default America/Santo_Domingo)')
  .option('--max-past-days <n>', 'older event times are clamped (default 30); raise it to load history')
  .action(
    action(
      async (
        api,
        id: string,
        o: {
          name?: string;
          ipMode?: string;
          unknownEvents?: string;
          timeZone?: string;
          maxPastDays?: string;
        },
      ) => {
        const settings = settingsOf(o);
        const p = await api.request('POST', '/v1/admin/projects', {
          id,
          ...(o.name ? { name: o.name } : {}),
          settings,
        });
        return { data: p, text: `created project ${id}` };
      },
    ),
  );
projects.command('list').action(
  action(async (api) => {
    const { projects: list } = await api.request<{ projects: Record<string, unknown>[] }>(
      'GET',
      '/v1/admin/projects',
    );
    return { data: list, table: { rows: list, columns: ['id', 'name', 'created_at'] } };
  }),
);
projects.command('show <id>').action(
  action(async (api, id: string) => ({
    data: await api.request('GET', `/v1/admin/projects/${encodeURIComponent(id)}`),
  })),
);
projects
  .command('settings <id>')
  .description('change collection settings')
  .option('--ip-mode <mode>', 'truncate | drop | keep')
  .option('--unknown-events <policy>', 'accept | reject')
  .option('--time-zone <tz>', 'IANA time zone')
  .option('--max-past-days <n>', 'older event times are clamped; raise it to load history')
  .action(
    action(
      async (
        api,
        id: string,
        o: { ipMode?: string; unknownEvents?: string; timeZone?: string; maxPastDays?: string },
      ) => ({
        data: await api.request(
          'PATCH',
          `/v1/admin/projects/${encodeURIComponent(id)}/settings`,
          settingsOf(o),
        ),
      }),
    ),
  );

const keys = program.command('keys').description('write keys: one per source (site, app, back end)');
keys
  .command('create')
  .requiredOption('--project <id>', 'project')
  .requiredOption('--name <name>', 'what the key is for, e.g. "web" or "backend"')
  .option('--create-project', 'create the project first if it does not exist')
  .action(
    action(async (api, o: { project: string; name: string; createProject?: boolean }) => {
      if (o.createProject) {
        await api.request('POST', '/v1/admin/projects', { id: o.project }).catch((e: { code?: string }) => {
          if (e.code !== 'project_exists') throw e;
        });
      }
      const k = await api.request<{ id: string; secret: string }>(
        'POST',
        `/v1/admin/projects/${encodeURIComponent(o.project)}/keys`,
        { name: o.name },
      );
      return {
        data: k,
        text: `${k.secret}\n(key ${k.id} for project ${o.project}; the secret is not shown again)`,
      };
    }),
  );
keys
  .command('list')
  .requiredOption('--project <id>', 'project')
  .action(
    action(async (api, o: { project: string }) => {
      const r = await api.request<{ keys: Record<string, unknown>[] }>(
        'GET',
        `/v1/admin/projects/${encodeURIComponent(o.project)}/keys`,
      );
      return {
        data: r.keys,
        table: { rows: r.keys, columns: ['id', 'name', 'key_prefix', 'created_at', 'revoked_at'] },
      };
    }),
  );
keys.command('revoke <keyId>').action(
  action(async (api, keyId: string) => ({
    data: await api.request('DELETE', `/v1/admin/keys/${encodeURIComponent(keyId)}`),
    text: `revoked ${keyId}`,
  })),
);

const schemas = program
  .command('schemas')
  .description("event schemas (JSON Schema of each event type's properties)");
schemas
  .command('list')
  .requiredOption('--project <id>', 'project')
  .action(
    action(async (api, o: { project: string }) => {
      const r = await api.request<{ schemas: Record<string, unknown>[] }>(
        'GET',
        `/v1/admin/projects/${encodeURIComponent(o.project)}/schemas`,
      );
      return {
        data: r.schemas,
        table: { rows: r.schemas, columns: ['eventType', 'version', 'projectId', 'description'] },
      };
    }),
  );
schemas
  .command('show <eventType>')
  .requiredOption('--project <id>', 'project')
  .option('--version <n>', 'version (default latest)')
  .action(
    action(async (api, eventType: string, o: { project: string; version?: string }) => ({
      data: await api.request(
        'GET',
        `/v1/admin/projects/${encodeURIComponent(o.project)}/schemas/${encodeURIComponent(eventType)}${o.version ? `?version=${o.version}` : ''}`,
      ),
    })),
  );
schemas
  .command('register <eventType> <file>')
  .description('register a new event type, or a new version of one, from a JSON Schema file')
  .requiredOption('--project <id>', 'project')
  .option('--description <text>', 'what the event means')
  .action(
    action(async (api, eventType: string, file: string, o: { project: string; description?: string }) => {
      const schema = JSON.parse(readFileSync(file, 'utf8'));
      const r = await api.request<{ version: number }>(
        'POST',
        `/v1/admin/projects/${encodeURIComponent(o.project)}/schemas`,
        {
          event_type: eventType,
          schema,
          ...(o.description ? { description: o.description } : {}),
        },
      );
      return { data: r, text: `registered ${eventType} version ${r.version}` };
    }),
  );

const dl = program
  .command('deadletters')
  .description('events that were not accepted, kept with their reasons');
dl.command('list')
  .option('--project <id>', 'project')
  .addOption(new Option('--status <status>').choices(['new', 'replayed', 'replay_failed']))
  .option('--kind <kind>', 'error kind, e.g. schema_violation')
  .option('--limit <n>', 'how many', '50')
  .action(
    action(async (api, o: { project?: string; status?: string; kind?: string; limit: string }) => {
      const q = new URLSearchParams({ limit: o.limit });
      if (o.project) q.set('project', o.project);
      if (o.status) q.set('status', o.status);
      if (o.kind) q.set('kind', o.kind);
      const r = await api.request<{ dead_letters: Record<string, unknown>[] }>(
        'GET',
        `/v1/admin/deadletters?${q}`,
      );
      const rows = r.dead_letters.map((d) => ({
        ...d,
        first_error: (d.errors as { pointer: string; message: string }[])[0]?.message,
      }));
      return {
        data: r,
        table: { rows, columns: ['id', 'project_id', 'received_at', 'status', 'first_error'] },
      };
    }),
  );
dl.command('show <id>').action(
  action(async (api, id: string) => ({
    data: await api.request('GET', `/v1/admin/deadletters/${encodeURIComponent(id)}`),
  })),
);
dl.command('replay [ids...]')
  .description('re-validate dead letters (after fixing a schema) and store those that pass')
  .option('--project <id>', "replay all of a project's new dead letters")
  .option('--kind <kind>', 'only those with this error kind')
  .action(
    action(
      async (api, ids: string[], o: { project?: string; kind?: string }) => {
        const r = await api.request<{
          replayed: number;
          duplicate: number;
          still_invalid: number;
          skipped: number;
        }>('POST', '/v1/admin/deadletters/replay', {
          ...(ids.length ? { ids } : {}),
          ...(o.project ? { project: o.project } : {}),
          ...(o.kind ? { kind: o.kind } : {}),
        });
        return {
          data: r,
          text: `replayed ${r.replayed}, duplicates ${r.duplicate}, still invalid ${r.still_invalid}, skipped ${r.skipped}`,
        };
      },
      ['collector'],
    ),
  );

const users = program
  .command('users')
  .description('people who sign in: admins, analysts and sellers (bound to one seller id)');
const userColumns = ['id', 'email', 'name', 'role', 'seller_id', 'project_id', 'created_at', 'disabled_at'];
users
  .command('create')
  .requiredOption('--email <email>', 'sign-in email (unique, case-insensitive)')
  .requiredOption('--role <role>', 'admin | analyst | seller')
  .option('--seller-id <id>', 'the seller whose data a seller sees (required for, and only for, sellers)')
  .option('--name <name>', 'display name (default: the part of the email before @)')
  .option('--project <id>', 'limit the user to one project (default: every project)')
  .option('--password <password>', 'at least 10 characters (default: a generated one, printed once)')
  .option('--password-stdin', 'read the password from standard input (keeps it out of shell history)')
  .action(
    action(
      async (
        api,
        o: {
          email: string;
          role: string;
          sellerId?: string;
          name?: string;
          project?: string;
          password?: string;
          passwordStdin?: boolean;
        },
      ) => {
        const password = o.passwordStdin ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : o.password;
        const u = await api.request<{ id: string; email: string; role: string; password?: string }>(
          'POST',
          '/v1/admin/users',
          {
            email: o.email,
            role: o.role,
            ...(o.sellerId !== undefined ? { seller_id: o.sellerId } : {}),
            ...(o.name !== undefined ? { name: o.name } : {}),
            ...(o.project !== undefined ? { project_id: o.project } : {}),
            ...(password !== undefined ? { password } : {}),
          },
        );
        const text = `created ${u.role} ${u.email} (${u.id})${u.password ? `\npassword: ${u.password}\n(shown only now; it is stored hashed)` : ''}`;
        return { data: u, text };
      },
    ),
  );
users
  .command('list')
  .option('--role <role>', 'admin | analyst | seller')
  .option('--seller-id <id>', 'users of this seller')
  .option('--all', 'include disabled users')
  .action(
    action(async (api, o: { role?: string; sellerId?: string; all?: boolean }) => {
      const list: Record<string, unknown>[] = [];
      let after: string | null = null;
      do {
        const q = new URLSearchParams({ limit: '1000' });
        if (o.role) q.set('role', o.role);
        if (o.sellerId) q.set('seller_id', o.sellerId);
        if (o.all) q.set('include_disabled', 'true');
        if (after) q.set('after', after);
        const page: { users: Record<string, unknown>[]; next_cursor: string | null } = await api.request(
          'GET',
          `/v1/admin/users?${q}`,
        );
        list.push(...page.users);
        after = page.next_cursor;
      } while (after);
      return { data: list, table: { rows: list, columns: userColumns } };
    }),
  );
users.command('show <idOrEmail>').action(
  action(async (api, idOrEmail: string) => ({
    data: await api.request('GET', `/v1/admin/users/${encodeURIComponent(idOrEmail)}`),
  })),
);
for (const [verb, description] of [
  ['disable', 'stop a user from signing in (by id or email)'],
  ['enable', 'let a disabled user sign in again'],
] as const) {
  users
    .command(`${verb} <idOrEmail>`)
    .description(description)
    .action(
      action(async (api, idOrEmail: string) => {
        const u = await api.request<{ id: string; email: string }>(
          'POST',
          `/v1/admin/users/${encodeURIComponent(idOrEmail)}/${verb}`,
        );
        return { data: u, text: `${verb}d ${u.email} (${u.id})` };
      }),
    );
}

const stream = program.command('stream').description('stream processors (consumer groups of the event log)');
stream.command('groups').action(
  action(
    async (api) => {
      const r = await api.request<{ groups: string[] }>('GET', '/v1/admin/stream/groups');
      return { data: r, text: r.groups.join('\n') };
    },
    ['worker'],
  ),
);
stream
  .command('replay')
  .description(
    "recompute a processor's effects from an offset or a time (its output equals an uninterrupted run)",
  )
  .requiredOption('--group <group>', 'consumer group, see `plaza stream groups`')
  .requiredOption('--from <offset|time>', 'an offset (the same in every partition) or an ISO-8601 time')
  .action(
    action(
      async (api, o: { group: string; from: string }) => {
        const r = await api.request<{ positions: { topic: string; partition: number; offset: number }[] }>(
          'POST',
          '/v1/admin/stream/replay',
          { group: o.group, from: o.from },
        );
        return {
          data: r,
          text: `replaying ${o.group} from ${r.positions.map((p) => `${p.topic}/${p.partition}@${p.offset}`).join(', ')}`,
        };
      },
      ['worker'],
    ),
  );

program
  .command('config')
  .description('print the effective configuration (secrets hidden)')
  .action((_o: unknown, cmd: Command) => {
    const c = configOf(cmd);
    printJson({
      ...c,
      adminToken: c.adminToken ? '[set]' : undefined,
      auth: { ...c.auth, jwtSecret: c.auth.jwtSecret ? '[set]' : undefined },
      stateUrl: c.stateUrl?.replace(/\/\/[^@]*@/, '//***@'),
      notify: {
        ...c.notify,
        webhookSecret: c.notify.webhookSecret ? '[set]' : undefined,
        smtpUrl: c.notify.smtpUrl?.replace(/\/\/[^@]*@/, '//***@'),
      },
    });
  });

registerSimulationCommands(program, configOf);
registerQualityCommands(program, action);
registerPipelineCommands(program, action);
registerAccessCommands(program, action);

program.parseAsync(process.argv).catch((e: unknown) => {
  if (isPlazaError(e)) {
    process.stderr.write(`plaza: ${e.message} [${e.code}]\n`);
    process.exit(e.status >= 500 ? 2 : 1);
  }
  process.stderr.write(`plaza: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(2);
});
