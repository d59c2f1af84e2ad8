import { describe, expect, it } from 'vitest';
import { displayName } from '#shared/scoring/profile.ts';

describe('a lead name', () => {
  it.each([
    [{ firstName: 'Ada', lastName: 'Lovelace' }, 'Ada Lovelace'],
    [{ firstName: ' Ada ', lastName: '' }, 'Ada'],
    [{ lastName: 'Lovelace', fullName: 'Countess Lovelace' }, 'Lovelace'],
    [{ fullName: 'Ada Lovelace' }, 'Ada Lovelace'],
    [{ firstName: '  ', fullName: ' Ada King ' }, 'Ada King'],
    [{ fullName: 42 }, null],
    [{ email: 'ada@example.com' }, null],
  ])('It should name %j as %j', (profile, name) => {
    expect(displayName(profile)).toBe(name);
  });
});
