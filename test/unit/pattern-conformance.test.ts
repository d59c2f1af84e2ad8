import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type EventPattern, matchesPattern, validatePattern } from '#local/pattern.ts';

/*
 * EventBridge conformance of the local bus's pattern matcher, table-driven: each fixture file under
 * test/fixtures/patterns/ holds cases of one topic, each case a pattern with the events it must and
 * must not match, or the reason PutRule rejects it, and the source of the expected answer (an
 * EventBridge user guide page, or an event-ruler README section or test). The expected answers were
 * also checked against AWS's event-ruler itself (2.0.1), except where EventBridge documents a
 * stricter rule: numbers limited to ±5.0e9 with six decimals, the 2048-character pattern size, the
 * 1000 `$or` combinations. `combinations.json` and `array-combinations.json` hold generated
 * patterns and events (operators, `$or`, dot-joined keys, nested arrays and arrays of objects)
 * whose answers are event-ruler's.
 */

type MatchCase = {
  readonly name: string;
  readonly source: string;
  readonly pattern: unknown;
  readonly match: readonly unknown[];
  readonly noMatch: readonly unknown[];
};
type RejectionCase = {
  readonly name: string;
  readonly source: string;
  readonly pattern: unknown;
  /** A part of the problem the validator must report. */
  readonly rejected: string;
};
type Fixture = { readonly topic: string; readonly cases: readonly (MatchCase | RejectionCase)[] };

const directory = join(import.meta.dirname, '../fixtures/patterns');
const fixtures: Fixture[] = readdirSync(directory)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .map((file) => JSON.parse(readFileSync(join(directory, file), 'utf8')) as Fixture);

const isRejection = (entry: MatchCase | RejectionCase): entry is RejectionCase => 'rejected' in entry;
const caseCount = fixtures.reduce(
  (total, { cases }) =>
    total +
    cases.reduce(
      (sum, entry) => sum + (isRejection(entry) ? 1 : entry.match.length + entry.noMatch.length),
      0,
    ),
  0,
);

const show = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 90 ? `${text.slice(0, 87)}...` : text;
};

describe('EventBridge pattern conformance', () => {
  it('It should hold several hundred cases, each citing its source', () => {
    expect(caseCount).toBeGreaterThan(2000);
    for (const { cases } of fixtures) {
      for (const entry of cases) expect(entry.source.length, entry.name).toBeGreaterThan(10);
    }
  });

  for (const { topic, cases } of fixtures) {
    describe(topic, () => {
      for (const entry of cases) {
        if (isRejection(entry)) {
          it(`It should reject ${entry.name} (${entry.source})`, () => {
            const problems = validatePattern(entry.pattern);
            expect(problems).not.toEqual([]);
            expect(problems.join('\n')).toContain(entry.rejected);
            expect(matchesPattern(entry.pattern as EventPattern, {})).toBe(false);
          });
          continue;
        }
        describe(`${entry.name} (${entry.source})`, () => {
          it('It should accept the pattern', () => {
            expect(validatePattern(entry.pattern)).toEqual([]);
          });
          for (const event of entry.match) {
            it(`It should match ${show(event)}`, () => {
              expect(matchesPattern(entry.pattern as EventPattern, event)).toBe(true);
            });
          }
          for (const event of entry.noMatch) {
            it(`It should not match ${show(event)}`, () => {
              expect(matchesPattern(entry.pattern as EventPattern, event)).toBe(false);
            });
          }
        });
      }
    });
  }
});
