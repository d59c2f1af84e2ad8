/**
 * The input of a scheduled run, as EventBridge Scheduler sends it deployed (`cdk/constructs/decay.ts`:
 * `{ "now": <aws.scheduler.scheduled-time> }`) and the local scheduler sends it (`local/stack.ts`):
 * the scheduled time, not the (possibly retried) start, so that a run repeated for the same
 * instant computes the same day (the decay job is safe to run twice).
 */
export interface ScheduledRunInput {
  /** ISO 8601 in UTC to the second, as Scheduler's `<aws.scheduler.scheduled-time>` is: `2026-11-25T05:00:00Z`. */
  readonly now: string;
}

/** The input for a run scheduled at `scheduledTime` (a Scheduler context attribute deployed). */
export const scheduledRunInput = (scheduledTime: string): ScheduledRunInput => ({ now: scheduledTime });

/** A time as Scheduler writes `<aws.scheduler.scheduled-time>`: UTC, to the second. */
export const schedulerTimeOf = (time: Date): string => `${time.toISOString().slice(0, 19)}Z`;
