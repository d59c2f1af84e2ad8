import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

let personal: ReadonlySet<string> | undefined;
let disposable: ReadonlySet<string> | undefined;

/**
 * Built-in domain lists from maintained npm packages, loaded on first use so that functions
 * which never test them do not pay for a 120k-entry set at cold start.
 */
export function builtInList(name: string): ReadonlySet<string> | undefined {
  switch (name) {
    case 'personal-email-domains':
      personal ??= new Set((require('email-providers/all.json') as string[]).map((d) => d.toLowerCase()));
      return personal;
    case 'disposable-email-domains':
      disposable ??= new Set((require('disposable-email-domains') as string[]).map((d) => d.toLowerCase()));
      return disposable;
    default:
      return undefined;
  }
}

/** True when the domain is a personal (free-mail) or disposable one: such leads have no account. */
export function isFreeOrDisposableDomain(domain: string): boolean {
  const d = domain.toLowerCase();
  return builtInList('personal-email-domains')!.has(d) || builtInList('disposable-email-domains')!.has(d);
}
