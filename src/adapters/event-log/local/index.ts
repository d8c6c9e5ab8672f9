export { LocalEventLog, type LocalEventLogOptions } from './local-event-log.js';
