import { createHash } from 'node:crypto';

/** Lower-cased, trimmed email: the lead's identity (PRODUCT §3.3). */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

const digest = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 22);

/**
 * A lead's id derives from its normalised email, so any event carrying the email finds the
 * lead without a lookup, and ids in URLs and logs do not reveal the address.
 */
export function leadIdFor(email: string): string {
  return `ld_${digest(`email:${normaliseEmail(email)}`)}`;
}

/** The id of the anonymous visitor record for a tracking cookie id. */
export function anonymousLeadIdFor(anonymousId: string): string {
  return `an_${digest(`anon:${anonymousId}`)}`;
}

/** Deterministic JSON (sorted keys), so equal payloads hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The id of an event that came without `eventId`: a hash of its content, so the same payload
 * delivered twice is still stored and counted once.
 */
export function contentEventId(content: unknown): string {
  return `h_${digest(canonicalJson(content))}`;
}
