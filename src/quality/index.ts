export { type ParsedCheck, parseCheck } from './checks.js';
export { createQualityGate, type QualityGateOptions } from './gate.js';
export { ensureQuarantineTable, Quarantine, type QuarantinedRow, quarantineTable } from './quarantine.js';
export { type QualityResult, QualityResults, qualityMigrations } from './results.js';
export { registerQualityRoutes } from './routes.js';
