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

  it('It should keep weekday names, and close a range ending on Sunday 7 as EventBridge counts', () => {
    expect(toSchedulerCron('0 9 * * mon-fri')).toBe('cron(0 9 ? * MON-FRI *)');
    expect(toSchedulerCron('0 9 * * 5-7')).toBe('cron(0 9 ? * 6-7,1 *)');
    expect(toSchedulerCron('0 9 * * 0-7')).toBe('cron(0 9 ? * 1-7 *)');
  });

  it('It should keep a restricted day of month with a ? weekday', () => {
    expect(toSchedulerCron('15 3 1,15 * *')).toBe('cron(15 3 1,15 * ? *)');
    // EventBridge documents steps from a start: */30 is 0/30.
    expect(toSchedulerCron('*/30 */2 * 1-6 *')).toBe('cron(0/30 0/2 * 1-6 ? *)');
    expect(toSchedulerCron('0 6 1-31/2 jan-jun *')).toBe('cron(0 6 1-31/2 JAN-JUN ? *)');
  });

  it('It should refuse what EventBridge Scheduler cannot express', () => {
    expect(() => toSchedulerCron('0 6 1 * 1')).toThrow(CronTranslationError);
    expect(() => toSchedulerCron('0 6 * *')).toThrow(/expected 5 fields/);
    expect(() => toSchedulerCron('0 6 * * 8')).toThrow(/weekday 8 is out of range/);
    expect(() => toSchedulerCron('0 6 * * 1-5/2')).toThrow(/no \/ step in the weekday/);
    expect(() => toSchedulerCron('60 6 * * *')).toThrow(/minute 60 is out of range 0-59/);
    expect(() => toSchedulerCron('0 24 * * *')).toThrow(/hour 24/);
    expect(() => toSchedulerCron('0 6 0 * *')).toThrow(/day of month 0/);
    expect(() => toSchedulerCron('0 6 * 13 *')).toThrow(/month 13/);
    expect(() => toSchedulerCron('0 6 * foo *')).toThrow(/month "foo" is not a number/);
    expect(() => toSchedulerCron('0 6 5-1 * *')).toThrow(/runs backwards/);
    expect(() => toSchedulerCron('0 6 L * *')).toThrow(/day of month "L"/);
    expect(() => toSchedulerCron('0/0 6 * * *')).toThrow(/step "0"/);
    expect(() => toSchedulerCron('0 6 * * * *')).toThrow(/got 6/);
    expect(() => toSchedulerCron('')).toThrow(/got 0/);
  });
});
