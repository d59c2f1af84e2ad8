import { describe, expect, it } from 'vitest';
import { SLICES_PER_SEGMENT, slicesOf } from '#shared/store/partition-scan.ts';

describe('the scan segments of a worker', () => {
  it.each([1, 3, 4, 16])(
    'It should give %i workers every scan segment of the table exactly once',
    (workers) => {
      const all = Array.from({ length: workers }, (_, w) => slicesOf(w, workers)).flat();
      expect(new Set(all.map((s) => s.totalSegments))).toEqual(new Set([workers * SLICES_PER_SEGMENT]));
      expect(all.map((s) => s.scanSegment).sort((a, b) => a - b)).toEqual(
        Array.from({ length: workers * SLICES_PER_SEGMENT }, (_, i) => i),
      );
    },
  );
});
