import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * Signed lead links (PRODUCT §4.2): the "Open lead" link of a Slack message or an email opens a
 * small server-rendered page of the lead in a browser, without the API key sales tools use. The
 * link carries its expiry and an HMAC-SHA256 of the lead id and that expiry:
 * `<base>/v1/leads/<leadId>/view?exp=<unix seconds>&sig=<base64url>`. The HMAC key is derived
 * (HKDF-SHA256, its own label) from a secret of the stack (`leadscore/<client>/lead-link-key`
 * deployed, the local API key locally), so the key never travels and another use of the secret
 * could never produce a valid link. A link is valid for {@link LEAD_LINK_TTL_SECONDS}: long
 * enough to act on an alert, short enough that a forwarded message stops opening the lead.
 */

/** Three days: a weekend's alerts still open on Monday morning. */
export const LEAD_LINK_TTL_SECONDS = 3 * 24 * 60 * 60;

const KEY_LABEL = 'leadscore lead link v1';

/** The HMAC key of lead links, derived from the stack's link secret. */
export function leadLinkKey(secret: string): Buffer {
  if (secret === '') throw new Error('the lead link secret is empty');
  return Buffer.from(hkdfSync('sha256', secret, '', KEY_LABEL, 32));
}

const signatureOf = (key: Buffer, leadId: string, expiresAt: number): Buffer =>
  createHmac('sha256', key).update(`${leadId}.${expiresAt}`).digest();

/** The signed link to a lead's page, valid until `nowMs` + the TTL. */
export function signedLeadUrl(base: string, leadId: string, key: Buffer, nowMs: number): string {
  const expiresAt = Math.floor(nowMs / 1000) + LEAD_LINK_TTL_SECONDS;
  const sig = signatureOf(key, leadId, expiresAt).toString('base64url');
  return `${base.replace(/\/+$/, '')}/v1/leads/${encodeURIComponent(leadId)}/view?exp=${expiresAt}&sig=${sig}`;
}

/** Why a link does not open its lead; never says which part was wrong beyond that. */
export type LeadLinkVerdict = 'valid' | 'expired' | 'invalid';

/**
 * Checks a link's `exp` and `sig` for a lead id, in constant time for the signature (a
 * timing-safe compare of equal-length digests). A link whose expiry is too far ahead (more than
 * the TTL, so not one this stack signed now) is invalid.
 */
export function verifyLeadLink(
  leadId: string,
  exp: string | undefined,
  sig: string | undefined,
  key: Buffer,
  nowMs: number,
): LeadLinkVerdict {
  if (exp === undefined || sig === undefined || !/^\d{1,12}$/.test(exp) || !/^[\w-]{43}$/.test(sig))
    return 'invalid';
  const expiresAt = Number(exp);
  const given = Buffer.from(sig, 'base64url');
  const expected = signatureOf(key, leadId, expiresAt);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  const now = Math.floor(nowMs / 1000);
  if (expiresAt > now + LEAD_LINK_TTL_SECONDS) return 'invalid';
  return expiresAt < now ? 'expired' : 'valid';
}
