import { describe, expect, it } from 'vitest';
import { CronTranslationError, toSchedulerCron } from '#cdk/cron.ts';

describe('toSchedulerCron', () => {
  it('It should add the year and a ? day-of-week to a daily cron', () => {
    expect(toSchedulerCron('0 6 * * *')).toBe('cron(0 6 * * ? *)');
  });

  it('It should put ? in the day of month when the weekday is restricted, counting Sunday as 1', () => {
    expect(toSchedulerCron('30 7 * * 1-5')).toBe('cron(30 7 ? * 2-6 *)');
    expect(toSchedulerCron('0 9 * * 0,6')).toBe('cron(0 9 ? * 1,7 *)');
    expect(toSchedulerCron('0 9 * * 7')).toBe('cron(0 9 ? * 1 *)');
  });

  it('It should keep weekday names and steps as they are', () => {
    expect(toSchedulerCron('0 9 * * mon-fri')).toBe('cron(0 9 ? * MON-FRI *)');
    expect(toSchedulerCron('0 9 * * 1-5/2')).toBe('cron(0 9 ? * 2-6/2 *)');
  });

  it('It should keep a restricted day of month with a ? weekday', () => {
    expect(toSchedulerCron('15 3 1,15 * *')).toBe('cron(15 3 1,15 * ? *)');
    expect(toSchedulerCron('*/30 */2 * 1-6 *')).toBe('cron(*/30 */2 * 1-6 ? *)');
  });

  it('It should refuse what EventBridge Scheduler cannot express', () => {
    expect(() => toSchedulerCron('0 6 1 * 1')).toThrow(CronTranslationError);
    expect(() => toSchedulerCron('0 6 * *')).toThrow(/expected 5 fields/);
    expect(() => toSchedulerCron('0 6 * * 8')).toThrow(/out of range/);
  });
});
