export { type Anomaly, type AnomalyOptions, createAnomalyTask, detect } from './anomalies.js';
export { type DayFigures, type EntitySeries, readDailyFigures } from './figures.js';
export {
  createSellerSummaryTask,
  type ReportTaskOptions,
  renderSummary,
  type SellerSummary,
  summarise,
} from './seller-summary.js';
export {
  keepReports,
  listReports,
  type ReportKind,
  reportEntriesTable,
  reportKinds,
  type StoredReport,
} from './store.js';
