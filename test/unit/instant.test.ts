import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseInstant } from '#shared/scoring/instant.ts';

describe('parseInstant', () => {
  it('It should read every canonical UTC instant as Date.parse does', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1000-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        (date) => {
          const text = date.toISOString();
          expect(parseInstant(text)).toBe(Date.parse(text));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('It should agree with Date.parse on other forms and on nonsense', () => {
    for (const text of [
      '2026-02-29T10:00:00.000Z', // no 29 February in 2026: NaN
      '2024-02-29T10:00:00.000Z',
      '2026-04-31T10:00:00.000Z',
      '2026-13-01T10:00:00.000Z',
      '2026-11-10T24:00:00.000Z',
      '2026-11-10T09:00:00Z',
      '2026-11-10T09:00:00.000+02:00',
      '2026-11-10',
      '0050-01-01T00:00:00.000Z',
      '2026-1x-10T09:00:00.000Z',
      '2026-11-10T09:00:00.00xZ',
      'not a date at all, 24 ch',
      '',
    ])
      expect(Object.is(parseInstant(text), Date.parse(text)), text).toBe(true);
  });
});
