/**
 * Translation of the five-field cron of a client configuration (`minute hour day month weekday`,
 * as croner and crontab read it) into the six-field `cron(...)` expression of EventBridge
 * Scheduler, which differs in three ways: it has a year field, exactly one of day-of-month and
 * day-of-week must be `?`, and its weekdays count 1-7 from Sunday instead of 0-6 (7 = Sunday too).
 */

/** A five-field cron EventBridge Scheduler cannot express the same way. */
export class CronTranslationError extends Error {
  override name = 'CronTranslationError';
  constructor(cron: string, reason: string) {
    super(`schedule.decay.cron "${cron}": ${reason}`);
  }
}

const WEEKDAY_NAMES = /^[A-Za-z]{3}$/;

/** One weekday number, 0-7 with Sunday as 0 or 7, as EventBridge's 1-7 with Sunday as 1. */
function shiftWeekday(token: string, cron: string): string {
  if (WEEKDAY_NAMES.test(token)) return token.toUpperCase();
  if (!/^\d+$/.test(token)) throw new CronTranslationError(cron, `unsupported weekday "${token}"`);
  const day = Number(token);
  if (day > 7) throw new CronTranslationError(cron, `weekday ${day} is out of range 0-7`);
  return String((day % 7) + 1);
}

/** A day-of-week field (`1-5`, `0,6`, `*\/2`, `MON-FRI`, `1-5/2`) with its numbers shifted. */
function translateWeekdays(field: string, cron: string): string {
  return field
    .split(',')
    .map((item) => {
      const [range = '', step] = item.split('/');
      const shifted =
        range === '*'
          ? '*'
          : range
              .split('-')
              .map((t) => shiftWeekday(t, cron))
              .join('-');
      return step === undefined ? shifted : `${shifted}/${step}`;
    })
    .join(',');
}

/**
 * `'0 6 * * *'` -> `'cron(0 6 * * ? *)'`; `'30 7 * * 1-5'` -> `'cron(30 7 ? * 2-6 *)'`.
 * Throws a CronTranslationError when both day fields are restricted (crontab ORs them;
 * EventBridge cannot) or when the expression does not have five fields.
 */
export function toSchedulerCron(cron: string): string {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) {
    throw new CronTranslationError(
      cron,
      `expected 5 fields (minute hour day month weekday), got ${fields.length}`,
    );
  }
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields as [string, string, string, string, string];
  const anyDay = (f: string) => f === '*' || f === '?';
  if (!anyDay(dayOfMonth) && !anyDay(dayOfWeek)) {
    throw new CronTranslationError(
      cron,
      'restrict either the day of month or the weekday, not both (EventBridge Scheduler cannot combine them)',
    );
  }
  const days = anyDay(dayOfWeek)
    ? [dayOfMonth === '?' ? '*' : dayOfMonth, '?']
    : ['?', translateWeekdays(dayOfWeek, cron)];
  return `cron(${minute} ${hour} ${days[0]} ${month} ${days[1]} *)`;
}
