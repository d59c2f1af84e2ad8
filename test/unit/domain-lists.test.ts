import { readFileSync } from 'node:fs';
import { brotliCompressSync, brotliDecompressSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { packageDomains } from '#scripts/build-domain-lists.ts';
import { BUILT_IN_LISTS } from '#shared/config/conditions.ts';
import { decodeDomainList, encodeDomainList } from '#shared/scoring/domain-list-format.ts';
import { builtInList, domainListUrl, isFreeOrDisposableDomain } from '#shared/scoring/lists.ts';

/** The answers before the compact lists: each package's JSON lower-cased into a Set. */
const packageSet = (name: (typeof BUILT_IN_LISTS)[number]) =>
  new Set(packageDomains(name).domains.map((d) => d.toLowerCase()));

/** Keys that are not exact members but look like them: subdomains, parents, case, dots. */
function nearMisses(domain: string): string[] {
  const [, ...parent] = domain.split('.');
  return [
    `sub.${domain}`,
    parent.join('.'),
    domain.toUpperCase(),
    `${domain}.`,
    ` ${domain}`,
    domain.slice(1),
  ];
}

describe('built-in domain lists', () => {
  it.each(BUILT_IN_LISTS)(
    'It should ship %s as compiled from the installed package (else run npm run lists:build)',
    (name) => {
      const compiled = decodeDomainList(readFileSync(domainListUrl(name)));
      const installed = packageDomains(name);
      expect(compiled.source).toBe(installed.source);
      expect(compiled.size).toBe(packageSet(name).size);
      expect(new Set(compiled.domains())).toEqual(packageSet(name));
    },
  );

  it('It should answer every domain of both packages, and their near misses, as the packages’ sets do', () => {
    const sets = Object.fromEntries(BUILT_IN_LISTS.map((name) => [name, packageSet(name)]));
    const keys = new Set<string>(['', 'example.com', 'acme-industries.io', 'gmail.co', 'mail', '.', 'ß.de']);
    for (const set of Object.values(sets)) {
      for (const domain of set) {
        keys.add(domain);
        for (const miss of nearMisses(domain)) keys.add(miss);
      }
    }
    let members = 0;
    let nonMembers = 0;
    for (const name of BUILT_IN_LISTS) {
      const list = builtInList(name)!;
      const expected = sets[name]!;
      const wrong: string[] = [];
      for (const key of keys) {
        const answer = list.has(key);
        if (answer !== expected.has(key)) wrong.push(key);
        if (answer) members++;
        else nonMembers++;
      }
      expect(wrong, name).toEqual([]);
    }
    expect(members).toBe(sets['personal-email-domains']!.size + sets['disposable-email-domains']!.size);
    expect(nonMembers).toBeGreaterThan(1_000_000);
  });

  it('It should treat free-mail and disposable domains, in any case, as having no account', () => {
    expect(isFreeOrDisposableDomain('Gmail.com')).toBe(true);
    expect(isFreeOrDisposableDomain('mailinator.com')).toBe(true);
    expect(isFreeOrDisposableDomain('acme-industries.io')).toBe(false);
    expect(isFreeOrDisposableDomain('eu.mailinator.com')).toBe(
      packageSet('disposable-email-domains').has('eu.mailinator.com'),
    );
  });

  it('It should read a list only at its first lookup, not when it is named', async () => {
    vi.resetModules();
    const fresh = await import('#shared/scoring/lists.ts');
    const list = fresh.builtInList('disposable-email-domains')!;
    expect(list.loaded).toBe(false);
    expect(list.has('mailinator.com')).toBe(true);
    expect(list.loaded).toBe(true);
    expect(builtInList('competitors')).toBeUndefined();
  });
});

describe('compact domain list format', () => {
  it('It should keep exactly the lower-cased domains it was given, whatever their bytes', () => {
    const long = 'a'.repeat(300);
    const domains = [
      'Example.COM',
      'example.com',
      `${long}.com`,
      `${long}b.com`,
      `x.${long}.com`,
      'bücher.de',
      '例え.jp',
      'a',
    ];
    const list = decodeDomainList(encodeDomainList('test@1', domains));
    expect(list.source).toBe('test@1');
    expect(new Set(list.domains())).toEqual(new Set(domains.map((d) => d.toLowerCase())));
    for (const d of domains) expect(list.has(d.toLowerCase())).toBe(true);
    expect(list.has('Example.COM')).toBe(false);
    expect(list.has(`${long}c.com`)).toBe(false);
    expect(decodeDomainList(encodeDomainList('empty@1', [])).has('a')).toBe(false);
  });

  it('It should answer any key as a Set of the same domains does', () => {
    const domain = fc.stringMatching(/^[a-zà-ÿ0-9.-]{1,12}$/);
    fc.assert(
      fc.property(
        fc.array(domain, { maxLength: 60 }),
        fc.array(domain, { maxLength: 30 }),
        (domains, others) => {
          const list = decodeDomainList(encodeDomainList('prop@1', domains));
          const set = new Set(domains);
          for (const key of [...domains, ...others]) expect(list.has(key)).toBe(set.has(key));
          expect(list.size).toBe(set.size);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('It should refuse a file that is not a compact list or is cut short', () => {
    const compiled = encodeDomainList('test@1', ['example.com', 'example.org']);
    expect(() => decodeDomainList(Buffer.from('not brotli'))).toThrow();
    const payload = brotliDecompressSync(compiled);
    expect(() => decodeDomainList(brotliCompressSync(payload.subarray(0, payload.length - 3)))).toThrow(
      /truncated/,
    );
    expect(() => decodeDomainList(brotliCompressSync(Buffer.from('other-format 1 2\n')))).toThrow(/not a/);
    expect(() => encodeDomainList('test@1', ['ok.com', ''])).toThrow(/not a domain/);
  });
});
