/**
 * The client's decay cron (`schedule.decay.cron`): a five-field crontab expression
 * (`minute hour day month weekday`) that the local scheduler (croner) runs as written and the
 * stack translates into the six-field `cron(...)` of EventBridge Scheduler. One grammar here,
 * the subset both accept, so that the schema (and with it `leadscore validate`) rejects exactly
 * what the deployed schedule could not run, and synth never meets a cron it cannot translate.
 *
 * EventBridge differs from crontab in four ways: it has a year field; exactly one of
 * day-of-month and day-of-week must be `?`; its weekdays count 1-7 from Sunday instead of 0-6
 * (7 = Sunday too); and its day-of-week field has no `/` step (its wildcards there are
 * `, - * ? L #`, per the EventBridge cron reference).
 */

/** A five-field cron EventBridge Scheduler cannot express the same way; the message names the field. */
export class CronTranslationError extends Error {
  override name = 'CronTranslationError';
  constructor(
    readonly cron: string,
    readonly reason: string,
  ) {
    super(`schedule.decay.cron "${cron}": ${reason}`);
  }
}

interface FieldRule {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  /** Three-letter names (JAN, MON), upper case; index + `min` is the number. */
  readonly names?: readonly string[];
  /** Whether `/` steps are allowed (EventBridge refuses them on the weekday). */
  readonly steps: boolean;
}

const FIELDS: readonly FieldRule[] = [
  { label: 'minute', min: 0, max: 59, steps: true },
  { label: 'hour', min: 0, max: 23, steps: true },
  { label: 'day of month', min: 1, max: 31, steps: true },
  {
    label: 'month',
    min: 1,
    max: 12,
    steps: true,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  // crontab weekdays are 0-7 (0 and 7 are Sunday).
  {
    label: 'weekday',
    min: 0,
    max: 7,
    steps: false,
    names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'],
  },
];

const fail = (cron: string, reason: string): never => {
  throw new CronTranslationError(cron, reason);
};

/** One value of a field (a number or a name) as its number; throws naming the field. */
function fieldValue(token: string, rule: FieldRule, cron: string): number {
  const named = rule.names?.indexOf(token.toUpperCase()) ?? -1;
  if (named >= 0) return named + (rule.label === 'weekday' ? 0 : rule.min);
  if (!/^\d+$/.test(token)) {
    const names = rule.names ? ` or ${rule.names[0]}-${rule.names.at(-1)}` : '';
    return fail(cron, `${rule.label} "${token}" is not a number ${rule.min}-${rule.max}${names}`);
  }
  const value = Number(token);
  if (value < rule.min || value > rule.max)
    fail(cron, `${rule.label} ${value} is out of range ${rule.min}-${rule.max}`);
  return value;
}

/** Checks one field (`*`, `5`, `1-5`, `*\/15`, `1-31/2`, lists of those); throws naming the field. */
function checkField(field: string, rule: FieldRule, cron: string): void {
  if (field === '?' && (rule.label === 'day of month' || rule.label === 'weekday')) return;
  for (const item of field.split(',')) {
    const [range = '', step, extra] = item.split('/');
    if (extra !== undefined || item === '') fail(cron, `${rule.label} "${field}" is malformed`);
    if (step !== undefined) {
      if (!rule.steps)
        fail(cron, `${rule.label} "${field}": EventBridge Scheduler allows no / step in the weekday field`);
      if (!/^[1-9]\d*$/.test(step)) fail(cron, `${rule.label} step "${step}" is not a positive number`);
    }
    if (range === '*') continue;
    const bounds = range.split('-');
    if (bounds.length > 2) fail(cron, `${rule.label} range "${range}" is malformed`);
    const [from, to] = bounds.map((token) => fieldValue(token, rule, cron)) as [number, number | undefined];
    if (to !== undefined && to < from) fail(cron, `${rule.label} range "${range}" runs backwards`);
  }
}

/**
 * Why EventBridge Scheduler (or the local scheduler) could not run this cron, or undefined when
 * both can: the schema's check, and what {@link toSchedulerCron} throws.
 */
export function cronProblem(cron: string): string | undefined {
  try {
    toSchedulerCron(cron);
    return undefined;
  } catch (error) {
    if (error instanceof CronTranslationError) return error.reason;
    throw error;
  }
}

/** `*\/15` -> `0/15`: EventBridge documents steps as `<start>/<step>`. */
const withStart = (field: string, rule: FieldRule): string =>
  field
    .split(',')
    .map((item) => (item.startsWith('*/') ? `${rule.min}${item.slice(1)}` : item))
    .join(',');

/** A weekday token, 0-7 with Sunday as 0 or 7, as EventBridge's 1-7 with Sunday as 1. */
const shiftWeekday = (token: string): string =>
  /^\d+$/.test(token) ? String((Number(token) % 7) + 1) : token.toUpperCase();

/** A crontab weekday item (`5`, `1-5`, `5-7`, `MON-FRI`) in EventBridge's numbering. */
function translateWeekday(item: string): string {
  if (item === '*') return '*';
  const [from = '', to] = item.split('-');
  if (to === undefined) return shiftWeekday(from);
  // Sunday as 7 closes a range that EventBridge, counting Sunday as 1, would read backwards.
  if (to === '7' && /^\d+$/.test(from)) return from === '0' ? '1-7' : `${shiftWeekday(from)}-7,1`;
  return `${shiftWeekday(from)}-${shiftWeekday(to)}`;
}

const translateWeekdays = (field: string): string => field.split(',').map(translateWeekday).join(',');

/**
 * `'0 6 * * *'` -> `'cron(0 6 * * ? *)'`; `'30 7 * * 1-5'` -> `'cron(30 7 ? * 2-6 *)'`.
 * @throws CronTranslationError naming the field when the expression does not have five fields,
 * a field is out of range or malformed, the weekday has a step, or both day fields are
 * restricted (crontab ORs them; EventBridge cannot).
 */
export function toSchedulerCron(cron: string): string {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) {
    fail(
      cron,
      `expected 5 fields (minute hour day month weekday), got ${cron.trim() === '' ? 0 : fields.length}`,
    );
  }
  fields.forEach((field, index) => {
    checkField(field, FIELDS[index] as FieldRule, cron);
  });
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields.map((field, index) =>
    withStart(field, FIELDS[index] as FieldRule),
  ) as [string, string, string, string, string];
  const anyDay = (f: string) => f === '*' || f === '?';
  if (!anyDay(dayOfMonth) && !anyDay(dayOfWeek)) {
    fail(
      cron,
      'restrict either the day of month or the weekday, not both (EventBridge Scheduler cannot combine them)',
    );
  }
  const days = anyDay(dayOfWeek)
    ? [dayOfMonth === '?' ? '*' : dayOfMonth, '?']
    : ['?', translateWeekdays(dayOfWeek)];
  return `cron(${minute} ${hour} ${days[0]} ${month.toUpperCase()} ${days[1]} *)`;
}

/** Whether `Intl` (and so croner locally and EventBridge Scheduler's IANA zones) knows the zone. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}
