import { describe, expect, it } from 'vitest';
import { formatRunTime, ScheduleError, startSchedule } from '#local/scheduler.ts';

describe('Local decay schedule', () => {
  it('It should log the next run of the configured cron in its time zone', async () => {
    const lines: string[] = [];
    const schedule = startSchedule({
      name: 'decay',
      cron: '0 6 * * *',
      timezone: 'Europe/Berlin',
      job: async () => {},
      log: (line) => lines.push(line),
    });
    const next = schedule.nextRun();
    await schedule.stop();
    expect(next).not.toBeNull();
    expect(formatRunTime(next as Date, 'Europe/Berlin')).toMatch(/^\d{4}-\d{2}-\d{2} 06:00 Europe\/Berlin$/);
    expect(lines).toEqual([`decay: next run ${formatRunTime(next as Date, 'Europe/Berlin')}`]);
  });

  it('It should call the job when the cron fires, and keep running after a failed run', async () => {
    const scheduled: Date[] = [];
    const lines: string[] = [];
    const schedule = startSchedule({
      name: 'decay',
      cron: '* * * * * *', // every second (croner's optional seconds field)
      timezone: 'UTC',
      job: async (at) => {
        scheduled.push(at);
        if (scheduled.length === 1) throw new Error('table busy');
      },
      log: (line) => lines.push(line),
    });
    await new Promise((done) => setTimeout(done, 2_300));
    await schedule.stop();
    expect(scheduled.length).toBeGreaterThanOrEqual(2);
    expect(scheduled.every((at) => at.getUTCMilliseconds() === 0)).toBe(true);
    expect(lines).toContain('decay: run failed: table busy');
    expect(lines.some((line) => /^decay: run finished in \d+ ms$/.test(line))).toBe(true);
  });

  it('It should reject an invalid cron or time zone with the schedule named', () => {
    const start = (cron: string, timezone: string) =>
      startSchedule({ name: 'decay', cron, timezone, job: async () => {} });
    expect(() => start('0 25 * * *', 'UTC')).toThrow(ScheduleError);
    expect(() => start('0 6 * * *', 'Mars/Olympus')).toThrow(
      /Invalid schedule "0 6 \* \* \*" \(Mars\/Olympus\)/,
    );
  });
});
