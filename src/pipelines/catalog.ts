import { type RetentionTiers, warehouseTasks } from '../marts/index.js';
import type { Notifications } from '../notify/index.js';
import { createAnomalyTask, createSellerSummaryTask } from '../reports/index.js';
import type { PipelineDef } from './types.js';

export interface CatalogOptions {
  dataDir: string;
  notifications: Notifications;
  retention?: Partial<RetentionTiers>;
}

/**
 * The pipelines this build of Plaza runs (the composition root hands them to startPipelines): the seeds' two.
 * Their tasks live beside the tables they build (src/marts) and the reports they send (src/reports).
 */
export function pipelineCatalog(o: CatalogOptions): PipelineDef[] {
  const { incremental, daily } = warehouseTasks({
    dataDir: o.dataDir,
    ...(o.retention ? { retention: o.retention } : {}),
  });
  // Summaries and alerts go out once the day's marts are built (never for a day whose build failed).
  const marts = daily.filter((t) => t.id.startsWith('mart_')).map((t) => t.id);
  return [
    {
      id: 'incremental',
      version: '1',
      schedule: '*/5 * * * *',
      description: 'Stages what the stream loaded since the last run (with a lookback for late events)',
      tasks: incremental,
    },
    {
      id: 'daily',
      version: '1',
      schedule: '0 0 * * *',
      description:
        'Builds the day that just ended: staging, dimensions, marts, Parquet archive, retention, seller summaries and anomaly alerts',
      tasks: [
        ...daily,
        createSellerSummaryTask({ notifications: o.notifications, dependsOn: marts }),
        createAnomalyTask({ notifications: o.notifications, dependsOn: marts }),
      ],
    },
  ];
}
