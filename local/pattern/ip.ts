/**
 * IP addresses as EventBridge reads them, for `cidr` and for string literals that are addresses.
 *
 * EventBridge (through event-ruler) treats a string that looks like an IPv4 dotted quad or an IPv6
 * address as the address itself: the literal "10.0.0.1" matches "10.0.0.01", "2001:DB8::1" matches
 * "2001:db8:0:0:0:0:0:1". IPv4-mapped IPv6 addresses (::ffff:a.b.c.d written in hex) are IPv4
 * addresses; IPv6 text with a dotted IPv4 tail is not recognised as an address at all.
 */

const IPV4_SHAPE = /^\d+\.\d+\.\d+\.\d+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

/** Whether the text has the shape of an address, valid or not (e.g. "10.0.0.256"). */
export function looksLikeIp(text: string): boolean {
  return IPV4_SHAPE.test(text) || IPV6_SHAPE.test(text);
}

/** The address as 4 or 16 bytes, or undefined when the text is not a valid address. */
export function parseIp(text: string): number[] | undefined {
  if (IPV4_SHAPE.test(text)) return parseIpv4(text);
  if (!IPV6_SHAPE.test(text)) return undefined;
  const bytes = parseIpv6(text);
  return bytes !== undefined && isIpv4Mapped(bytes) ? bytes.slice(12) : bytes;
}

function parseIpv4(text: string): number[] | undefined {
  const bytes = text.split('.').map(Number);
  return bytes.every((byte) => byte <= 255) ? bytes : undefined;
}

function parseIpv6(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  return all.flatMap((group) => [group >> 8, group & 0xff]);
}

function groups(text: string): number[] | undefined {
  if (text === '') return [];
  const parts = text.split(':');
  if (!parts.every((part) => /^[0-9a-fA-F]{1,4}$/.test(part))) return undefined;
  return parts.map((part) => Number.parseInt(part, 16));
}

function isIpv4Mapped(bytes: readonly number[]): boolean {
  return bytes.slice(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
}

/**
 * A range of addresses as event-ruler holds it: hexadecimal text bounds (8 digits for IPv4, 32 for
 * IPv6) of equal length. Like EventBridge, this compares an address of the other family character
 * by character against the bounds: `0.0.0.0/0` accepts `::1`.
 */
export type IpRange = {
  readonly low: string;
  readonly high: string;
  readonly openLow: boolean;
  readonly openHigh: boolean;
};

/**
 * Parses `address/bits` the way EventBridge validates a `cidr` operand; returns the range or the
 * reason it is rejected (EventBridge accepts at most /31 for IPv4 and /127 for IPv6).
 */
export function parseCidr(text: string): IpRange | string {
  const parts = text.split('/');
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length !== 2) return "malformed CIDR, one '/' required";
  const [address = '', bitsText = ''] = parts;
  if (!/^[+-]?\d+$/.test(bitsText)) return 'malformed CIDR, mask bits must be an integer';
  const bits = Number(bitsText);
  if (bits < 0) return 'malformed CIDR, mask bits must not be negative';
  const bytes = looksLikeIp(address) ? parseIp(address) : undefined;
  if (bytes === undefined) return `invalid IP address: ${address}`;
  if (bytes.length === 4 && bits > 31) return 'IPv4 mask bits must be < 32';
  if (bytes.length === 16 && bits > 127) return 'IPv6 mask bits must be < 128';
  const low: number[] = [];
  const high: number[] = [];
  bytes.forEach((byte, i) => {
    const fixed = Math.max(0, Math.min(8, bits - i * 8));
    const mask = (0xff << (8 - fixed)) & 0xff;
    low.push(byte & mask);
    high.push((byte & mask) | (~mask & 0xff));
  });
  return { low: hex(low), high: hex(high), openLow: false, openHigh: false };
}

/**
 * The range of one address literal, as event-ruler builds it: from the address to the next
 * hexadecimal text, one end open, so "10.0.0.1" and "10.0.0.01" are the same address.
 */
export function singleAddress(bytes: readonly number[]): IpRange {
  const text = hex(bytes);
  const last = text.slice(-1);
  const head = text.slice(0, -1);
  if (last === 'F') return { low: `${head}E`, high: text, openLow: true, openHigh: false };
  const next = last === '9' ? 'A' : String.fromCharCode(last.charCodeAt(0) + 1);
  return { low: text, high: `${head}${next}`, openLow: false, openHigh: true };
}

function hex(bytes: readonly number[]): string {
  return bytes
    .map((byte) => byte.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
}

/**
 * The text compared with a range: an address's hexadecimal form. Only strings: event-ruler may also
 * compare a number's JSON text with a range (`0.0.0.0/1` then accepts 123, unless a numeric entry
 * shares the field), an accident of its byte machine this matcher does not reproduce.
 */
function rangeKey(value: unknown): string | undefined {
  if (typeof value !== 'string' || !looksLikeIp(value)) return undefined;
  const bytes = parseIp(value);
  return bytes === undefined ? undefined : hex(bytes);
}

/**
 * Whether a leaf falls in the range, walked as event-ruler's byte machine walks it: character by
 * character against both bounds; once strictly between them the rest is free, a text that ends while
 * still equal to a bound's beginning falls outside, and one that runs past a closed bound is inside.
 */
export function inRange(range: IpRange, value: unknown): boolean {
  const key = rangeKey(value);
  if (key === undefined) return false;
  let onLow = true;
  let onHigh = true;
  for (let i = 0; i < range.low.length; i++) {
    const char = key[i];
    if (char === undefined) return false;
    if ((onLow && char < (range.low[i] ?? '')) || (onHigh && char > (range.high[i] ?? ''))) return false;
    onLow = onLow && char === range.low[i];
    onHigh = onHigh && char === range.high[i];
    if (!onLow && !onHigh) return true;
  }
  return !((onLow && range.openLow) || (onHigh && range.openHigh));
}
