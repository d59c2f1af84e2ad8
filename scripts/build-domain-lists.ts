/**
 * `npm run lists:build`: compiles the built-in domain lists from their maintained npm packages
 * into the compact files `shared/scoring/lists.ts` reads (`shared/scoring/domain-lists/*.br`,
 * format in `shared/scoring/domain-list-format.ts`). The files are committed, so every run,
 * test and Lambda bundle reads the same bytes and an asset's hash only changes with its list;
 * `test/unit/domain-lists.test.ts` fails, naming this command, when an installed package no
 * longer matches its compiled file (after `npm update`, say).
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { encodeDomainList } from '#shared/scoring/domain-list-format.ts';
import type { BuiltInListName } from '#shared/scoring/lists.ts';
import { domainListUrl } from '#shared/scoring/lists.ts';

const require = createRequire(import.meta.url);

/** The package and the JSON file (an array of domains) each built-in list is compiled from. */
export const DOMAIN_LIST_SOURCES: Readonly<Record<BuiltInListName, { package: string; file: string }>> = {
  'personal-email-domains': { package: 'email-providers', file: 'email-providers/all.json' },
  'disposable-email-domains': {
    package: 'disposable-email-domains',
    file: 'disposable-email-domains/index.json',
  },
};

/** A list's domains as its installed package has them, and `<package>@<version>`. */
export function packageDomains(name: BuiltInListName): { source: string; domains: string[] } {
  const { package: pkg, file } = DOMAIN_LIST_SOURCES[name];
  const { version } = require(`${pkg}/package.json`) as { version: string };
  const domains = require(file) as unknown;
  if (!Array.isArray(domains) || !domains.every((d) => typeof d === 'string')) {
    throw new TypeError(`${file} is not an array of domains`);
  }
  return { source: `${pkg}@${version}`, domains };
}

/** Compiles every built-in list from the installed packages and writes its file; returns what it wrote. */
export function buildDomainLists(): { name: BuiltInListName; path: string; source: string; bytes: number }[] {
  return (Object.keys(DOMAIN_LIST_SOURCES) as BuiltInListName[]).map((name) => {
    const { source, domains } = packageDomains(name);
    const compiled = encodeDomainList(source, domains);
    const path = fileURLToPath(domainListUrl(name));
    writeFileSync(path, compiled);
    return { name, path, source, bytes: compiled.length };
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const built of buildDomainLists()) {
    console.log(`${built.name}: ${built.source} → ${built.path} (${built.bytes} bytes)`);
  }
}
