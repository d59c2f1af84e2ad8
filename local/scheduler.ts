/**
 * The local stand-in for the stack's daily decay schedule (PRODUCT §5.1): the client
 * configuration's `schedule.decay` cron, in its time zone, calling the decay job. Runs never
 * overlap, and a failed run is reported and does not stop the schedule.
 */
import { Cron } from 'croner';

export interface ScheduleOptions {
  /** Five-field cron, e.g. `0 6 * * *` (croner also accepts a leading seconds field). */
  cron: string;
  /** IANA time zone of the cron, e.g. `Europe/Berlin`. */
  timezone: string;
  /** Name in logs, e.g. `decay`. */
  name: string;
  /** The job; its scheduled time is passed in. */
  job: (scheduledAt: Date) => Promise<void>;
  /** Progress lines (next run, run finished, run failed). */
  log?: (line: string) => void;
  onError?: (error: unknown) => void;
}

export interface LocalSchedule {
  /** The next time the job runs, or null when the cron never fires again. */
  nextRun(): Date | null;
  /** Whether a run is in progress. */
  isRunning(): boolean;
  /** Stops the schedule and waits for a run in progress. */
  stop(): Promise<void>;
}

/** A cron or time zone croner cannot use. */
export class ScheduleError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ScheduleError';
  }
}

/** Formats a run time in the schedule's time zone, e.g. `2026-11-26 06:00 Europe/Berlin`. */
export function formatRunTime(date: Date, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')} ${timezone}`;
}

/**
 * Starts the schedule and logs its next run time.
 * @throws ScheduleError when the cron or the time zone is invalid.
 */
export function startSchedule(options: ScheduleOptions): LocalSchedule {
  const log = options.log ?? (() => {});
  let running: Promise<void> | undefined;
  const logNext = (job: Cron) => {
    const next = job.nextRun();
    log(
      next
        ? `${options.name}: next run ${formatRunTime(next, options.timezone)}`
        : `${options.name}: no further runs`,
    );
  };

  let cron: Cron;
  try {
    cron = new Cron(options.cron, { timezone: options.timezone, protect: true }, async (self) => {
      const scheduledAt = self.currentRun() ?? new Date();
      const started = performance.now();
      running = options.job(scheduledAt).then(
        () => log(`${options.name}: run finished in ${Math.round(performance.now() - started)} ms`),
        (error: unknown) => {
          log(`${options.name}: run failed: ${error instanceof Error ? error.message : String(error)}`);
          options.onError?.(error);
        },
      );
      await running;
      running = undefined;
      logNext(self);
    });
  } catch (error) {
    throw new ScheduleError(
      `Invalid schedule "${options.cron}" (${options.timezone}): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  logNext(cron);

  return {
    nextRun: () => cron.nextRun(),
    isRunning: () => running !== undefined,
    stop: async () => {
      cron.stop();
      await running;
    },
  };
}
