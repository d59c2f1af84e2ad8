import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';

/**
 * The compact form of a built-in domain list (PRODUCT §2.4), built by
 * `scripts/build-domain-lists.ts` from the maintained npm packages and read by
 * `shared/scoring/lists.ts` on first use. Why this form: the disposable list is 121,570 domains,
 * 2.46 MB of JSON whose `require` plus `new Set` cost ~90 ms and ~10 MB of heap at a cold start.
 *
 * Layout, brotli-compressed (quality 11):
 * - a header line `leadscore-domain-list/1 <source> <count> <textBytes>\n`;
 * - `count` records, one per domain: each domain's UTF-8 bytes *reversed* (`moc.elpmaxe`, so
 *   that domains sharing a suffix sort together and compress better), sorted by bytes, stored
 *   front-coded as one byte (the length of the prefix shared with the previous record, at
 *   most 255), the rest of the bytes and `\n`.
 *
 * Measured on disposable-email-domains 1.0.62: 472 KB (plain sorted lines under brotli: 580 KB,
 * under gzip: 679 KB). Decoding rebuilds the reversed lines as one Latin-1 string (one byte per
 * character) with the start of each line, and a lookup is a binary search comparing the key
 * from its end: no string is allocated per domain and none per lookup.
 */
const MAGIC = 'leadscore-domain-list/1';
const NEWLINE = 0x0a;
const MAX_SHARED_PREFIX = 255;

/** A decoded list: membership by exact string, as a `Set<string>` of its domains answers. */
export interface CompactDomainList {
  /** Where the list comes from: `<package>@<version>`. */
  readonly source: string;
  readonly size: number;
  /** True when `domain` is one of the list's domains (exact match: callers lower-case and trim). */
  has(domain: string): boolean;
  /** Every domain of the list (for tests and tools; lookups never need it). */
  domains(): string[];
}

/** The list's entries as stored: lower-cased (as JavaScript lower-cases), deduplicated. */
export function normalizedDomains(domains: Iterable<string>): string[] {
  const unique = new Set<string>();
  for (const domain of domains) {
    const lower = domain.toLowerCase();
    if (lower === '' || lower.includes('\n')) {
      throw new RangeError(`not a domain: ${JSON.stringify(domain)}`);
    }
    unique.add(lower);
  }
  return [...unique];
}

/** Compiles `domains` into the compact form; `source` (`<package>@<version>`) goes in its header. */
export function encodeDomainList(source: string, domains: Iterable<string>): Buffer {
  if (/\s/.test(source)) throw new RangeError(`source must have no spaces: ${JSON.stringify(source)}`);
  const reversed = normalizedDomains(domains)
    .map((domain) => Buffer.from(domain, 'utf8').reverse())
    .sort(Buffer.compare);
  const textBytes = reversed.reduce((sum, entry) => sum + entry.length + 1, 0);
  const parts: Buffer[] = [Buffer.from(`${MAGIC} ${source} ${reversed.length} ${textBytes}\n`, 'utf8')];
  let previous = Buffer.alloc(0);
  for (const entry of reversed) {
    const limit = Math.min(previous.length, entry.length, MAX_SHARED_PREFIX);
    let shared = 0;
    while (shared < limit && previous[shared] === entry[shared]) shared++;
    parts.push(Buffer.from([shared]), entry.subarray(shared), Buffer.from([NEWLINE]));
    previous = entry;
  }
  const payload = Buffer.concat(parts);
  return brotliCompressSync(payload, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_LGWIN]: constants.BROTLI_MAX_WINDOW_BITS,
      [constants.BROTLI_PARAM_SIZE_HINT]: payload.length,
    },
  });
}

/** Decodes the compact form; a file that is not one, or is truncated, throws. */
export function decodeDomainList(compressed: Uint8Array): CompactDomainList {
  const payload = brotliDecompressSync(compressed);
  const headerEnd = payload.indexOf(NEWLINE);
  const [magic, source, countText, textBytesText] = payload.toString('utf8', 0, headerEnd).split(' ');
  const count = Number(countText);
  const textBytes = Number(textBytesText);
  if (
    magic !== MAGIC ||
    source === undefined ||
    !Number.isSafeInteger(count) ||
    !Number.isSafeInteger(textBytes)
  ) {
    throw new Error(`not a ${MAGIC} file`);
  }
  const text = Buffer.allocUnsafe(textBytes);
  // starts[k] is where line k begins; starts[count] is one past the last line's newline.
  const starts = new Uint32Array(count + 1);
  let read = headerEnd + 1;
  let written = 0;
  let previousStart = 0;
  for (let line = 0; line < count; line++) {
    const shared = payload[read++] ?? 0;
    if (written + shared > textBytes) break;
    starts[line] = written;
    text.copyWithin(written, previousStart, previousStart + shared);
    written += shared;
    let byte = payload[read++];
    while (byte !== NEWLINE && byte !== undefined && written < textBytes) {
      text[written++] = byte;
      byte = payload[read++];
    }
    if (byte !== NEWLINE || written >= textBytes) break;
    text[written++] = NEWLINE;
    previousStart = starts[line]!;
  }
  if (written !== textBytes || read !== payload.length)
    throw new Error(`truncated ${MAGIC} file (${source})`);
  starts[count] = textBytes;
  return new DecodedDomainList(source, count, text.toString('latin1', 0, textBytes), starts);
}

const NON_ASCII = /[\u0080-\uffff]/;

class DecodedDomainList implements CompactDomainList {
  constructor(
    readonly source: string,
    readonly size: number,
    /** The reversed lines, one character per UTF-8 byte. */
    private readonly lines: string,
    private readonly starts: Uint32Array,
  ) {}

  has(domain: string): boolean {
    // Lines hold UTF-8 bytes as Latin-1 characters: a non-ASCII key is compared the same way.
    const key = NON_ASCII.test(domain) ? Buffer.from(domain, 'utf8').toString('latin1') : domain;
    const keyLength = key.length;
    const { lines, starts } = this;
    let low = 0;
    let high = this.size - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const start = starts[middle]!;
      const lineLength = starts[middle + 1]! - 1 - start;
      const common = Math.min(lineLength, keyLength);
      let order = 0;
      for (let i = 0; i < common; i++) {
        order = key.charCodeAt(keyLength - 1 - i) - lines.charCodeAt(start + i);
        if (order !== 0) break;
      }
      if (order === 0) order = keyLength - lineLength;
      if (order === 0) return true;
      if (order < 0) high = middle - 1;
      else low = middle + 1;
    }
    return false;
  }

  domains(): string[] {
    const all: string[] = [];
    for (let line = 0; line < this.size; line++) {
      const reversedBytes = Buffer.from(
        this.lines.slice(this.starts[line], this.starts[line + 1]! - 1),
        'latin1',
      );
      all.push(reversedBytes.reverse().toString('utf8'));
    }
    return all;
  }
}
