import { describe, expect, it } from 'vitest';
import { MAX_POINTS, thinned } from '#shared/api/lead-history.ts';

describe('the points of a long history', () => {
  it.each([10, MAX_POINTS, MAX_POINTS + 1, 9_999, 100_000])(
    'It should draw %i points with at most MAX_POINTS, keeping the first and the last',
    (count) => {
      const points = Array.from({ length: count }, (_, i) => i);
      const kept = thinned(points);
      expect(kept.length).toBeLessThanOrEqual(MAX_POINTS);
      expect(kept[0]).toBe(0);
      expect(kept.at(-1)).toBe(count - 1);
      if (count <= MAX_POINTS) expect(kept).toEqual(points);
      for (let i = 1; i < kept.length; i++) expect(kept[i]!).toBeGreaterThan(kept[i - 1]!);
    },
  );
});
