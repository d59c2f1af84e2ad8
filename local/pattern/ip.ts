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

/** An inclusive range of addresses of one family (4 or 16 bytes). */
export type IpRange = { readonly low: readonly number[]; readonly high: readonly number[] };

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
  return rangeOf(bytes, bits);
}

function rangeOf(bytes: readonly number[], bits: number): IpRange {
  const low: number[] = [];
  const high: number[] = [];
  bytes.forEach((byte, i) => {
    const fixed = Math.max(0, Math.min(8, bits - i * 8));
    const mask = (0xff << (8 - fixed)) & 0xff;
    low.push(byte & mask);
    high.push((byte & mask) | (~mask & 0xff));
  });
  return { low, high };
}

/** The single-address range of a literal, so "10.0.0.1" and "10.0.0.01" compare equal. */
export function singleAddress(bytes: readonly number[]): IpRange {
  return { low: bytes, high: bytes };
}

/** Whether `text` is an address of the range's family inside the range. */
export function inRange(range: IpRange, text: string): boolean {
  const bytes = parseIp(text);
  if (bytes === undefined || bytes.length !== range.low.length) return false;
  return compareBytes(bytes, range.low) >= 0 && compareBytes(bytes, range.high) <= 0;
}

function compareBytes(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
