/**
 * EventBridge's comparable numbers.
 *
 * Numeric matching (`numeric`, numeric `anything-but`) only works on numbers EventBridge can compare:
 * between -5.0e9 and +5.0e9 inclusive with at most six digits after the decimal point (EventBridge
 * user guide, "Numeric matching"). Such a number is held as an exact integer count of millionths,
 * so comparisons never suffer from binary floating point (0.1 + 0.2 style drift).
 */

/** The documented bound of comparable numbers, in millionths (5.0e9 × 1e6). */
const LIMIT_MILLIONTHS = 5_000_000_000_000_000n;
const MAX_DECIMALS = 6;

/**
 * The number as an exact count of millionths, or undefined when EventBridge cannot compare it
 * (outside ±5.0e9, more than six decimals, not finite). Works from the shortest decimal text of the
 * number, which is what a JSON producer writes for it.
 */
export function toMillionths(value: number): number | undefined {
  if (!Number.isFinite(value)) return undefined;
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(value));
  if (match === null) return undefined;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  let digits = `${whole}${fraction}`.replace(/^0+(?=\d)/, '');
  let decimals = fraction.length - Number(exponent);
  while (decimals > 0 && digits.length > 1 && digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    decimals--;
  }
  if (/^0+$/.test(digits)) return 0;
  if (decimals > MAX_DECIMALS) return undefined;
  const millionths = BigInt(digits) * 10n ** BigInt(MAX_DECIMALS - decimals);
  if (millionths > LIMIT_MILLIONTHS) return undefined;
  return Number(sign === '-' ? -millionths : millionths);
}

/** Why a number in a pattern is not comparable, for the error EventBridge would give. */
export const NOT_COMPARABLE =
  'numbers must be between -5.0e9 and 5.0e9 with at most six digits after the decimal point';
