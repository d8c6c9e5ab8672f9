/**
 * Processing steps return one of these instead of throwing for expected outcomes (the idea of PostHog's
 * ingestion PipelineResult): the caller decides what each outcome means for the request.
 */
export interface StepIssue {
  /** e.g. schema_violation, size_violation, missing_identity, malformed, unknown_event_type */
  kind: string;
  /** JSON pointer into the submitted event, '' for the whole event */
  pointer: string;
  message: string;
}

export type StepResult<T> =
  | { type: 'ok'; value: T }
  | { type: 'dead_letter'; issues: StepIssue[] }
  | { type: 'drop'; reason: string };

export const ok = <T>(value: T): StepResult<T> => ({ type: 'ok', value });
export const deadLetter = <T = never>(issues: StepIssue[]): StepResult<T> => ({
  type: 'dead_letter',
  issues,
});
export const drop = <T = never>(reason: string): StepResult<T> => ({ type: 'drop', reason });
