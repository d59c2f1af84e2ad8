import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfigFile } from '#scripts/cli/validate.ts';
import { MAX_CLIENT_NAME_LENGTH } from '#shared/config/aws-names.ts';

const EXAMPLE = readFileSync(join(import.meta.dirname, '../../clients/example.yaml'), 'utf8');
let dir: string;

/** Writes the example under `client` with `edit` applied, and validates it as `leadscore validate` does. */
function validate(client: string, edit: (text: string) => string = (text) => text) {
  const path = join(dir, `${client}.yaml`);
  writeFileSync(path, edit(EXAMPLE.replace(/^client: example$/m, `client: ${client}`)));
  return validateConfigFile(path).errors;
}
const withCron =
  (cron: string, timezone = 'Europe/Berlin') =>
  (text: string) =>
    text.replace(
      "decay: { cron: '0 6 * * *', timezone: Europe/Berlin }",
      `decay: { cron: '${cron}', timezone: ${timezone} }`,
    );

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'leadscore-validate-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('leadscore validate: the checks synth runs', () => {
  it('It should accept the example and a client name of the longest length every AWS name fits', () => {
    expect(validate('example')).toEqual([]);
    expect(validate('a'.repeat(MAX_CLIENT_NAME_LENGTH))).toEqual([]);
  });

  it('It should refuse a client name that would make a rule name longer than 64, naming the rule', () => {
    expect(validate('a'.repeat(MAX_CLIENT_NAME_LENGTH + 1))).toEqual([
      `client: client names have at most ${MAX_CLIENT_NAME_LENGTH} characters: the EventBridge rule name leadscore-<client>-notify-threshold-crossed must fit AWS's 64`,
    ]);
  });

  it('It should refuse, in one line naming the field, each cron EventBridge Scheduler cannot run', () => {
    const cases: [string, RegExp][] = [
      ['0 6 * *', /expected 5 fields .*got 4/],
      ['0 6 * * 1-5/2', /no \/ step in the weekday/],
      ['0 6 1 * 1', /restrict either the day of month or the weekday/],
      ['0 24 * * *', /hour 24 is out of range 0-23/],
      ['0 6 * * 8', /weekday 8 is out of range 0-7/],
      ['@daily', /expected 5 fields/],
    ];
    for (const [cron, message] of cases) {
      const errors = validate('crons', withCron(cron));
      expect(errors, cron).toHaveLength(1);
      expect(errors[0], cron).toMatch(/^schedule\.decay\.cron: /);
      expect(errors[0], cron).toMatch(message);
      expect(errors[0]).not.toContain('\n');
    }
  });

  it('It should refuse a time zone Intl does not know, and accept one it does', () => {
    expect(validate('zones', withCron('0 6 * * *', 'Mars/Olympus'))).toEqual([
      'schedule.decay.timezone: unknown time zone "Mars/Olympus"',
    ]);
    expect(validate('zones', withCron('30 7 * * mon-fri', 'America/New_York'))).toEqual([]);
  });

  it('It should refuse an SES identity mode other than create or existing', () => {
    const errors = validate('identity', (text) =>
      text.replace(', identity: create }', ', identity: reuse }'),
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^notifications\.email\.identity: /);
  });
});
