import { readFileSync } from 'node:fs';
import type { BUILT_IN_LISTS } from '#shared/config/conditions.ts';
import { type CompactDomainList, decodeDomainList } from './domain-list-format.ts';

/** The name of a list that ships with leadscore. */
export type BuiltInListName = (typeof BUILT_IN_LISTS)[number];

/** What a condition needs of a list: exact membership, as `Set#has`. */
export interface DomainList {
  has(domain: string): boolean;
}

/**
 * The folder of the compact list files, beside this module: `shared/scoring/domain-lists/` in
 * the repository and `domain-lists/` beside `index.mjs` in a Lambda bundle (the bundling copies
 * the files there), so both read the same bytes the same way.
 */
export const DOMAIN_LISTS_FOLDER = 'domain-lists';

/** Where a built-in list's compact file is (`<folder>/<name>.br`). */
export const domainListUrl = (name: BuiltInListName): URL =>
  new URL(`./${DOMAIN_LISTS_FOLDER}/${name}.br`, import.meta.url);

/**
 * A built-in list, read and decoded on its first lookup, not when a model is compiled: a cold
 * start that scores no email domain never reads it, and one that does pays a fraction of what
 * the packages' JSON made a `Set` cost (`npm run bench -- coldstart`, `coldstart_list`: 76 ms
 * against 274 ms for the 121,570 disposable domains on the loaded 2-core machine; a lookup
 * costs ~2× a `Set`'s, a binary search of about 17 steps). See `domain-list-format.ts`.
 */
class LazyDomainList implements DomainList {
  #list: CompactDomainList | undefined;

  constructor(readonly name: BuiltInListName) {}

  /** Whether the file has been read (it is on the first `has`). */
  get loaded(): boolean {
    return this.#list !== undefined;
  }

  has(domain: string): boolean {
    this.#list ??= decodeDomainList(readFileSync(domainListUrl(this.name)));
    return this.#list.has(domain);
  }
}

const BUILT_IN: Readonly<Record<BuiltInListName, LazyDomainList>> = {
  'personal-email-domains': new LazyDomainList('personal-email-domains'),
  'disposable-email-domains': new LazyDomainList('disposable-email-domains'),
};

const isBuiltIn = (name: string): name is BuiltInListName => Object.hasOwn(BUILT_IN, name);

/**
 * A built-in domain list compiled from a maintained npm package (`scripts/build-domain-lists.ts`),
 * or undefined for a name that is not one. Entries are lower-cased; lookups are exact (no
 * subdomain matching), as the packages' lists are.
 */
export function builtInList(name: string): (DomainList & { readonly loaded: boolean }) | undefined {
  return isBuiltIn(name) ? BUILT_IN[name] : undefined;
}

/** True when the domain is a personal (free-mail) or disposable one: such leads have no account. */
export function isFreeOrDisposableDomain(domain: string): boolean {
  const d = domain.toLowerCase();
  return BUILT_IN['personal-email-domains'].has(d) || BUILT_IN['disposable-email-domains'].has(d);
}
