import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PlazaError } from '../core/errors.js';

const login = z.object({
  email: z.string(),
  password: z.string(),
  role: z.string(),
  sellerId: z.string().optional(),
});

/** What `plaza demo` remembers between runs, so a rerun resumes where the last one stopped. */
const demoStateSchema = z.object({
  version: z.literal(1),
  vertical: z.enum(['vehicles', 'stores']),
  seed: z.number().int(),
  start: z.number().int(),
  days: z.number().int().positive(),
  users: z.number().int().positive(),
  sellers: z.number().int().positive(),
  project: z.string(),
  writeKey: z.string(),
  /** Events (from the first) whose delivery Plaza acknowledged. */
  settled: z.number().int().min(0),
  historyLoaded: z.boolean(),
  logins: z.array(login),
});

export type DemoState = z.infer<typeof demoStateSchema>;
export type DemoLogin = z.infer<typeof login>;

export const demoStatePath = (dataDir: string) => join(dataDir, 'demo.json');

export function readDemoState(dataDir: string): DemoState | null {
  const path = demoStatePath(dataDir);
  if (!existsSync(path)) return null;
  const parsed = demoStateSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success)
    throw new PlazaError(
      'demo_state_invalid',
      `${path} is not a demo state this version understands; run \`plaza demo --reset\` to start over`,
      400,
    );
  return parsed.data;
}

/** Written to a temporary file and renamed: a crash leaves the old state or the new one, never half. */
export function writeDemoState(dataDir: string, state: DemoState): void {
  const path = demoStatePath(dataDir);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}
