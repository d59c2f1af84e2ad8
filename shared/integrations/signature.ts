import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed webhooks (issue 15): every request carries `Leadscore-Signature: t=<unix seconds>,v1=<hex>`
 * where `v1` is HMAC-SHA256, keyed by the integration's signing secret, over `<t>.<raw body>`.
 * The timestamp is inside the signed text, so a receiver that also checks it is recent (five
 * minutes: {@link SIGNATURE_TOLERANCE_SECONDS}) rejects a replayed request; the
 * `Leadscore-Event-Id` header is the event's stable id, the same on every redelivery, for the
 * receiver to dedupe on. The README shows the receiver's side.
 */

export const SIGNATURE_HEADER = 'Leadscore-Signature';
export const EVENT_ID_HEADER = 'Leadscore-Event-Id';
export const EVENT_TYPE_HEADER = 'Leadscore-Event-Type';
/** How old a signature a receiver should accept, in seconds. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

const hmac = (secret: string, timestamp: number, body: string) =>
  createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');

/** The `Leadscore-Signature` header value of `body` sent at `now`. */
export function signatureHeader(secret: string, body: string, now: Date = new Date()): string {
  const timestamp = Math.floor(now.getTime() / 1000);
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

/** Why a signature was refused (or `ok`). */
export type SignatureCheck = 'ok' | 'malformed' | 'mismatch' | 'expired';

/**
 * The receiver's check: the header parses, one `v1` matches (compared in constant time), and
 * its timestamp is within `toleranceSeconds` of `now`.
 */
export function verifySignature(
  secret: string,
  body: string,
  header: string | undefined,
  options: { now?: Date; toleranceSeconds?: number } = {},
): SignatureCheck {
  if (!header) return 'malformed';
  const parts = header.split(',').map((part) => part.trim().split('='));
  const timestamp = Number(parts.find(([key]) => key === 't')?.[1]);
  const signatures = parts.filter(([key]) => key === 'v1').map(([, value]) => value ?? '');
  if (!Number.isInteger(timestamp) || signatures.length === 0) return 'malformed';
  const expected = Buffer.from(hmac(secret, timestamp, body), 'hex');
  const matches = signatures.some((candidate) => {
    const given = Buffer.from(candidate, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) return 'mismatch';
  const ageSeconds = Math.abs((options.now ?? new Date()).getTime() / 1000 - timestamp);
  return ageSeconds > (options.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS) ? 'expired' : 'ok';
}
