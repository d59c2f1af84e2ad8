import { describe, expect, it } from 'vitest';
import {
  SIGNATURE_TOLERANCE_SECONDS,
  signatureHeader,
  verifySignature,
} from '#shared/integrations/signature.ts';

const SECRET = 'whsec_test';
const BODY = '{"a":1}';
const SENT = new Date('2026-01-01T00:00:00Z');

describe('Webhook signatures', () => {
  it('It should sign HMAC-SHA256 over "<timestamp>.<body>" (vector from openssl dgst -sha256 -hmac)', () => {
    expect(signatureHeader(SECRET, BODY, SENT)).toBe(
      't=1767225600,v1=6d204545ff126a339c00513d93603299c984074ce1331c3537c3f6c976b49019',
    );
  });

  it('It should accept its own signature within five minutes and refuse it after (a replay)', () => {
    const header = signatureHeader(SECRET, BODY, SENT);
    const at = (seconds: number) => ({ now: new Date(SENT.getTime() + seconds * 1000) });
    expect(verifySignature(SECRET, BODY, header, at(0))).toBe('ok');
    expect(verifySignature(SECRET, BODY, header, at(SIGNATURE_TOLERANCE_SECONDS))).toBe('ok');
    expect(verifySignature(SECRET, BODY, header, at(SIGNATURE_TOLERANCE_SECONDS + 1))).toBe('expired');
  });

  it('It should refuse a changed body, another secret, a changed timestamp and a malformed header', () => {
    const header = signatureHeader(SECRET, BODY, SENT);
    const now = { now: SENT };
    expect(verifySignature(SECRET, '{"a":2}', header, now)).toBe('mismatch');
    expect(verifySignature('other', BODY, header, now)).toBe('mismatch');
    expect(verifySignature(SECRET, BODY, header.replace('t=1767225600', 't=1767225601'), now)).toBe(
      'mismatch',
    );
    expect(verifySignature(SECRET, BODY, 'v1=abc', now)).toBe('malformed');
    expect(verifySignature(SECRET, BODY, undefined, now)).toBe('malformed');
  });
});
