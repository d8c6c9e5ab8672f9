import { z } from 'zod';
import { defaultProjectSettings, type ProjectSettings } from '../collector/types.js';
import { PlazaError } from '../core/errors.js';
import { timeZoneSchema } from '../core/time-zone.js';
import type { StateStore } from '../ports/state.js';

export interface Project {
  id: string;
  name: string;
  settings: ProjectSettings;
  created_at: string;
}

const projectIdPattern = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** An IANA time zone name (project settings, and the pipelines' zone in the configuration). */
const settingsPatch = z
  .object({
    ipMode: z.enum(['truncate', 'drop', 'keep']),
    unknownEventPolicy: z.enum(['accept', 'reject']),
    maxFutureMs: z.number().int().min(0),
    maxPastMs: z.number().int().min(0),
    timeZone: timeZoneSchema,
  })
  .partial()
  .strict();

export function parseSettingsPatch(input: unknown): Partial<ProjectSettings> {
  const r = settingsPatch.safeParse(input);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`).join('; ');
    throw new PlazaError('invalid_settings', msg, 400);
  }
  return r.data;
}

interface ProjectRow {
  id: string;
  name: string;
  settings: Partial<ProjectSettings>;
  created_at: Date;
}

const toProject = (r: ProjectRow): Project => ({
  id: r.id,
  name: r.name,
  settings: { ...defaultProjectSettings, ...r.settings },
  created_at: new Date(r.created_at).toISOString(),
});

/** Projects (one per marketplace) and their collection settings, with a short cache for the ingest path. */
/** Refuses an id no project can have, before any lookup. */
export function checkProjectId(id: string): void {
  if (!projectIdPattern.test(id)) {
    throw new PlazaError(
      'invalid_project_id',
      `project id "${id}" must be 1-63 lowercase letters, digits, '-' or '_', starting with a letter or digit`,
      400,
    );
  }
}

export class Projects {
  private readonly cache = new Map<string, { project: Project; at: number }>();

  constructor(
    private readonly state: StateStore,
    private readonly cacheMs = 5000,
  ) {}

  async create(id: string, name?: string, settings: Partial<ProjectSettings> = {}): Promise<Project> {
    checkProjectId(id);
    const rows = await this.state.query<ProjectRow>(
      `INSERT INTO projects (id, name, settings) VALUES ($1, $2, $3::jsonb)
       ON CONFLICT (id) DO NOTHING RETURNING id, name, settings, created_at`,
      [id, name ?? id, JSON.stringify(parseSettingsPatch(settings))],
    );
    if (rows.length === 0) throw new PlazaError('project_exists', `project "${id}" already exists`, 409);
    return toProject(rows[0]!);
  }

  async list(): Promise<Project[]> {
    const rows = await this.state.query<ProjectRow>(
      'SELECT id, name, settings, created_at FROM projects ORDER BY id',
    );
    return rows.map(toProject);
  }

  async find(id: string): Promise<Project | null> {
    const hit = this.cache.get(id);
    if (hit && Date.now() - hit.at < this.cacheMs) return hit.project;
    const rows = await this.state.query<ProjectRow>(
      'SELECT id, name, settings, created_at FROM projects WHERE id = $1',
      [id],
    );
    const project = rows[0] ? toProject(rows[0]) : null;
    if (project) this.cache.set(id, { project, at: Date.now() });
    return project;
  }

  async get(id: string): Promise<Project> {
    const p = await this.find(id);
    if (!p)
      throw new PlazaError(
        'project_not_found',
        `no project "${id}"; create it with \`plaza projects create ${id}\``,
        404,
      );
    return p;
  }

  async updateSettings(id: string, patch: unknown): Promise<Project> {
    const valid = parseSettingsPatch(patch);
    const rows = await this.state.query<ProjectRow>(
      `UPDATE projects SET settings = settings || $2::jsonb WHERE id = $1 RETURNING id, name, settings, created_at`,
      [id, JSON.stringify(valid)],
    );
    if (!rows[0]) throw new PlazaError('project_not_found', `no project "${id}"`, 404);
    this.cache.delete(id);
    return toProject(rows[0]);
  }
}
