/**
 * Sliding-window caps (PRODUCT §2.3). A cap holds when no window `(s − W, s]`, for any s, counts
 * more than the cap's points. Awards are kept per rule or category as `[time, points]` entries
 * sorted by time. Entries older than two windows before the newest one are forgotten and
 * replaced by one marker `[time of the newest forgotten entry, 0]` at the front, so the state
 * stays small while awards up to one window late (an anonymous visitor's history merged into
 * a lead) are still capped exactly; an award later than that, which could fall into a window
 * whose entries were forgotten, gets nothing rather than risk exceeding the cap.
 */
export type WindowEntries = readonly (readonly [number, number])[];

/** Sum of the entries in `(from, to]`; entries are sorted by time. */
function sumIn(entries: WindowEntries, from: number, to: number): number {
  let sum = 0;
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i]!;
    if (entry[0] <= from) break;
    if (entry[0] <= to) sum += entry[1];
  }
  return sum;
}

/**
 * Points still allowed at `t` under a cap of `cap` points per `windowMs`: the cap minus the
 * fullest window that would contain `t` (never negative). O(entries) for an in-order award.
 */
export function capRoom(
  entries: WindowEntries | undefined,
  cap: number,
  windowMs: number,
  t: number,
): number {
  if (entries === undefined || entries.length === 0) return cap;
  const first = entries[0]!;
  if (first[1] === 0 && t < first[0] + windowMs) return 0;
  let fullest = sumIn(entries, t - windowMs, t);
  for (let i = entries.length - 1; i >= 0; i--) {
    const time = entries[i]![0];
    if (time <= t) break;
    if (time < t + windowMs) fullest = Math.max(fullest, sumIn(entries, time - windowMs, time));
  }
  return Math.max(0, cap - fullest);
}

/**
 * Adds an award of `points` (> 0) at `t` to entries the caller owns, in place: in time order,
 * after any entry at the same time, with the entries more than two windows before the newest
 * one folded into the leading marker.
 */
export function recordAwardInPlace(
  entries: (readonly [number, number])[],
  windowMs: number,
  t: number,
  points: number,
): void {
  const n = entries.length;
  const last = n === 0 ? t : entries[n - 1]![0];
  const horizon = Math.max(last, t) - 2 * windowMs;
  let dropped = 0;
  let forgotten = Number.NEGATIVE_INFINITY;
  while (dropped < n && entries[dropped]![0] <= horizon) {
    forgotten = Math.max(forgotten, entries[dropped]![0]);
    dropped++;
  }
  if (dropped > 0) {
    entries.splice(0, dropped, [forgotten, 0]);
  }
  const start = dropped > 0 ? 1 : 0;
  let at = entries.length;
  for (let i = start; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry[1] !== 0 && entry[0] > t) {
      at = i;
      break;
    }
  }
  if (at === entries.length) entries.push([t, points]);
  else entries.splice(at, 0, [t, points]);
}
