import { Cron } from 'croner';
import type { Logger } from 'pino';
import { PlazaError } from '../core/errors.js';
import { pipelinePartitioning } from './dag.js';
import type { PipelineRun, Trigger } from './history.js';
import type { SchedulerLease } from './lease.js';
import { addDays, daysBetween, yesterday } from './partitions.js';
import type { PipelineRunner } from './runner.js';
import type { PipelineDef } from './types.js';

export interface SchedulerOptions {
  runner: PipelineRunner;
  lease: SchedulerLease;
  /** Zone the cron expressions are read in. */
  timeZone: string;
  /** How many days back a daily pipeline is caught up after downtime. */
  catchUpDays: number;
  logger: Logger;
  /** The clock schedules are evaluated against (tests move it by hand and call tick()). */
  now?: () => Date;
  /** How often the loop started by start() ticks. */
  pollMs?: number;
}

export interface TickReport {
  leader: boolean;
  /** Runs queued by this tick (catch-up and due schedules). */
  runs: PipelineRun[];
  /** Resolves when those runs finished. */
  done: Promise<PipelineRun[]>;
}

/**
 * Fires each pipeline on its cron schedule while this process holds the scheduler lease. Croner only computes
 * occurrences; the loop, the lease and the clock are ours, so that a test can drive time by hand and a
 * standby that takes the lease over continues exactly where the last holder stopped (catch-up).
 */
export class PipelineScheduler {
  private readonly now: () => Date;
  private readonly crons = new Map<string, Cron>();
  private readonly next = new Map<string, Date>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<TickReport> | undefined;
  private leader = false;
  private lastRenew = 0;
  private stopped = false;

  constructor(private readonly o: SchedulerOptions) {
    this.now = o.now ?? (() => new Date());
    for (const p of o.runner.definitions()) {
      this.crons.set(p.id, new Cron(p.schedule, { timezone: o.timeZone, paused: true }));
    }
  }

  get isLeader(): boolean {
    return this.leader;
  }

  /** When each pipeline fires next (known once this process leads). */
  nextRuns(): Map<string, Date> {
    return new Map(this.next);
  }

  start(): void {
    const loop = () => {
      if (this.stopped) return;
      void this.tick().finally(() => {
        if (this.stopped) return;
        this.timer = setTimeout(loop, this.o.pollMs ?? 1000);
        this.timer.unref();
      });
    };
    loop();
  }

  /** One pass: hold or take the lease, catch up when newly leading, fire what is due. One at a time. */
  tick(): Promise<TickReport> {
    if (!this.ticking) {
      this.ticking = this.tickOnce().finally(() => {
        this.ticking = undefined;
      });
    }
    return this.ticking;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking?.catch(() => undefined);
    if (this.leader) {
      this.leader = false;
      await this.o.lease
        .release()
        .catch((e) => this.o.logger.warn({ err: e }, 'could not release the lease'));
    }
  }

  private async tickOnce(): Promise<TickReport> {
    const runs: PipelineRun[] = [];
    const dones: Promise<PipelineRun[]>[] = [];
    const report = () => ({ leader: this.leader, runs, done: Promise.all(dones).then((d) => d.flat()) });
    if (this.stopped) return report();
    const now = this.now();
    const wasLeader = this.leader;
    try {
      if (!this.leader || Date.now() - this.lastRenew >= this.o.lease.ttlMs / 3) {
        this.leader = await this.o.lease.acquire();
        if (this.leader) this.lastRenew = Date.now();
      }
    } catch (e) {
      // The store is unreachable: keep leading only while the lease we hold cannot have expired.
      this.leader = this.leader && Date.now() - this.lastRenew < this.o.lease.ttlMs;
      this.o.logger.warn({ err: e }, 'could not renew the scheduler lease');
    }
    if (wasLeader && !this.leader) {
      this.o.logger.warn({ holder: this.o.lease.holder }, 'scheduler lease lost; no longer firing pipelines');
      this.next.clear();
    }
    if (!this.leader) return report();
    const queue = (r: { runs: PipelineRun[]; done: Promise<PipelineRun[]> }) => {
      runs.push(...r.runs);
      dones.push(r.done);
    };
    if (!wasLeader) {
      this.o.logger.info({ holder: this.o.lease.holder }, 'scheduler lease acquired');
      try {
        await this.o.runner.recover();
      } catch (e) {
        this.o.logger.error({ err: e }, 'could not mark abandoned pipeline runs');
      }
      for (const def of this.o.runner.definitions()) {
        this.next.set(def.id, this.crons.get(def.id)!.nextRun(now)!);
        await this.catchUp(def, now).then(queue, (e) =>
          this.o.logger.error({ err: e, pipeline: def.id }, 'pipeline catch-up failed to start'),
        );
      }
      return report();
    }
    for (const def of this.o.runner.definitions()) {
      const due = this.next.get(def.id);
      if (!due || due > now) continue;
      this.next.set(def.id, this.crons.get(def.id)!.nextRun(now)!);
      await this.fire(def, due).then(queue, (e) =>
        this.o.logger.error({ err: e, pipeline: def.id }, 'scheduled pipeline run failed to start'),
      );
    }
    return report();
  }

  /** A due occurrence: a daily pipeline processes the local day before it, the others run as they are. */
  private async fire(
    def: PipelineDef,
    due: Date,
  ): Promise<{ runs: PipelineRun[]; done: Promise<PipelineRun[]> }> {
    const partition = pipelinePartitioning(def) === 'daily' ? yesterday(this.o.timeZone, due) : null;
    return this.startOne(def, partition, 'schedule');
  }

  /**
   * After downtime (or when a standby takes over): a daily pipeline runs, oldest first and one at a time,
   * every day after its newest successful one up to the day that just ended, at most catchUpDays back; one
   * that never succeeded has nothing to catch up (a backfill builds history). Other pipelines run once if an
   * occurrence passed since what they last processed (their watermarks cover the whole gap in one run).
   */
  private async catchUp(
    def: PipelineDef,
    now: Date,
  ): Promise<{ runs: PipelineRun[]; done: Promise<PipelineRun[]> }> {
    const none = { runs: [], done: Promise.resolve([]) };
    const runner = this.o.runner;
    if (pipelinePartitioning(def) === 'daily') {
      const last = await runner.history.lastSucceededPartition(def.id);
      if (!last || this.o.catchUpDays <= 0) return none;
      const end = yesterday(this.o.timeZone, now);
      const oldest = addDays(end, -(this.o.catchUpDays - 1));
      // The later of the two days (ISO dates sort as strings).
      const from = [addDays(last, 1), oldest].sort()[1]!;
      if (from > end) return none;
      const days = daysBetween(from, end);
      this.o.logger.info(
        { pipeline: def.id, from, to: end, days: days.length },
        'catching up missed daily runs',
      );
      return runner.startMany(def.id, days, 'catchup', 1);
    }
    // Incremental pipelines: what they processed up to, in the scheduler's own (logical) time; the others
    // only have the time their last run was created.
    const [lastRun] = await runner.history.listRuns(def.id, { limit: 1 });
    if (!lastRun) return none;
    const reached = (await runner.history.pipelineWatermark(def.id)) ?? new Date(lastRun.created_at);
    const previous = this.crons.get(def.id)!.previousRuns(1, now)[0];
    if (!previous || reached >= previous) return none;
    return this.startOne(def, null, 'catchup');
  }

  private async startOne(
    def: PipelineDef,
    partition: string | null,
    trigger: Trigger,
  ): Promise<{ runs: PipelineRun[]; done: Promise<PipelineRun[]> }> {
    try {
      const started = await this.o.runner.start({ pipeline: def.id, partition, trigger });
      return { runs: [started.run], done: started.done.then((r) => [r]) };
    } catch (e) {
      if (e instanceof PlazaError && e.code === 'pipeline_run_active') {
        this.o.logger.info(
          { pipeline: def.id, partition },
          'previous run still active; this occurrence is skipped',
        );
        return { runs: [], done: Promise.resolve([]) };
      }
      throw e;
    }
  }
}
