import type { StepIssue } from '../core/result.js';

/** An event (or a whole malformed request) that was not accepted, kept with every reason. */
export interface DeadLetter {
  id: string;
  project_id: string;
  key_id: string;
  received_at: string;
  request_id: string;
  shape: 'native' | 'segment';
  /** Segment call type for Segment-shaped items (track, identify...) */
  segment_type: string | null;
  /** Index in the submitted batch; null for a whole-request failure. */
  batch_index: number | null;
  /** The submitted item as JSON text, or the raw request text when it was not JSON. */
  payload: string;
  errors: StepIssue[];
  /** Request context needed to re-run the pipeline exactly as it first ran. */
  request_ip: string | null;
  request_user_agent: string | null;
  sent_at: string | null;
}

export type DeadLetterStatus = 'new' | 'replayed' | 'replay_failed';

export interface StoredDeadLetter extends DeadLetter {
  status: DeadLetterStatus;
  replayed_at: string | null;
  replay_errors: StepIssue[] | null;
}
