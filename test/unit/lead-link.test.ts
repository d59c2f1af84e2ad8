import { describe, expect, it } from 'vitest';
import { LEAD_LINK_TTL_SECONDS, leadLinkKey, signedLeadUrl, verifyLeadLink } from '#shared/http/lead-link.ts';

const key = leadLinkKey('a stack secret of forty-eight characters, say');
const NOW = Date.parse('2026-12-01T10:00:00Z');
const LEAD = 'ld_7jtB03QeirMhpLGLRRRlhu';

/** The `exp` and `sig` of a signed link. */
function partsOf(url: string): { exp: string; sig: string } {
  const { searchParams } = new URL(url);
  return { exp: searchParams.get('exp') ?? '', sig: searchParams.get('sig') ?? '' };
}

describe('signed lead links', () => {
  const link = signedLeadUrl('https://api.example.com/', LEAD, key, NOW);
  const { exp, sig } = partsOf(link);

  it('It should link to the lead page with a three-day expiry that verifies for that lead only', () => {
    expect(link).toMatch(
      /^https:\/\/api\.example\.com\/v1\/leads\/ld_7jtB03QeirMhpLGLRRRlhu\/view\?exp=\d+&sig=[\w-]{43}$/,
    );
    expect(Number(exp)).toBe(NOW / 1000 + LEAD_LINK_TTL_SECONDS);
    expect(verifyLeadLink(LEAD, exp, sig, key, NOW)).toBe('valid');
    expect(verifyLeadLink('ld_000000000000000000000a', exp, sig, key, NOW)).toBe('invalid');
  });

  it('It should refuse a changed signature or expiry, another key, and malformed parts', () => {
    const flipped = `${sig.slice(0, 10)}${sig[10] === 'A' ? 'B' : 'A'}${sig.slice(11)}`;
    expect(verifyLeadLink(LEAD, exp, flipped, key, NOW)).toBe('invalid');
    expect(verifyLeadLink(LEAD, String(Number(exp) - 1), sig, key, NOW)).toBe('invalid');
    expect(verifyLeadLink(LEAD, exp, sig, leadLinkKey('another stack secret entirely'), NOW)).toBe('invalid');
    for (const [e, s] of [
      [undefined, sig],
      [exp, undefined],
      ['soon', sig],
      [exp, 'short'],
      [exp, `${sig}=`],
    ])
      expect(verifyLeadLink(LEAD, e, s, key, NOW)).toBe('invalid');
  });

  it('It should say expired once the three days are over, and never accept an expiry further ahead', () => {
    expect(verifyLeadLink(LEAD, exp, sig, key, NOW + LEAD_LINK_TTL_SECONDS * 1000)).toBe('valid');
    expect(verifyLeadLink(LEAD, exp, sig, key, NOW + (LEAD_LINK_TTL_SECONDS + 1) * 1000)).toBe('expired');
    // Signed for longer than the TTL (not by this code now): refused.
    const far = partsOf(signedLeadUrl('https://api.example.com', LEAD, key, NOW + 7 * 86_400_000));
    expect(verifyLeadLink(LEAD, far.exp, far.sig, key, NOW)).toBe('invalid');
  });
});
