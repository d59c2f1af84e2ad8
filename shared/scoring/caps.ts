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

/** The entries with an award of `points` (> 0) at `t` added, in time order, and old ones folded. */
export function recordAward(
  entries: WindowEntries | undefined,
  windowMs: number,
  t: number,
  points: number,
): WindowEntries {
  const current = entries ?? [];
  const n = current.length;
  const last = n === 0 ? t : current[n - 1]![0];
  const horizon = Math.max(last, t) - 2 * windowMs;
  let dropped = 0;
  let forgotten = Number.NEGATIVE_INFINITY;
  while (dropped < n && current[dropped]![0] <= horizon) {
    forgotten = Math.max(forgotten, current[dropped]![0]);
    dropped++;
  }
  const marker = forgotten === Number.NEGATIVE_INFINITY ? 0 : 1;
  const out: (readonly [number, number])[] = new Array(marker + n - dropped + 1);
  if (marker === 1) out[0] = [forgotten, 0];
  let at = marker;
  let inserted = false;
  for (let i = dropped; i < n; i++) {
    const entry = current[i]!;
    if (!inserted && entry[1] !== 0 && entry[0] > t) {
      out[at++] = [t, points];
      inserted = true;
    }
    out[at++] = entry;
  }
  if (!inserted) out[at] = [t, points];
  return out;
}
