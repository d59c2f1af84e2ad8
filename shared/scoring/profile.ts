import type { CompiledModel } from './model.ts';
import type { LeadState, Profile, RuleContribution } from './types.ts';

/** Profile fields derived from others, so rules can test them (the email's domain). */
export function withDerivedFields(profile: Profile): Profile {
  const email = profile.email;
  if (typeof email !== 'string') return profile;
  const at = email.lastIndexOf('@');
  return at < 0 ? profile : { ...profile, emailDomain: email.slice(at + 1).toLowerCase() };
}

/** Merges profile fields: a non-blank incoming value replaces the stored one. */
export function mergeProfile(current: Profile, incoming: Readonly<Profile>): Profile {
  const merged: Profile = { ...current };
  for (const [key, value] of Object.entries(incoming)) {
    if (typeof value === 'string' && value.trim() === '') continue;
    merged[key] = value;
  }
  return withDerivedFields(merged);
}

/** True when a profile update carries at least one field (without allocating a key list). */
export function hasFields(profile: Readonly<Profile> | undefined): profile is Readonly<Profile> {
  if (profile === undefined) return false;
  for (const _ in profile) return true;
  return false;
}

/**
 * The parts of a score that depend on the profile alone: fit rules, source points and
 * multiplier, and disqualification, which is sticky (a later clean form does not lift a
 * competitor or spam verdict).
 */
export function profileComponents(
  profile: Profile,
  model: CompiledModel,
  current: LeadState['disqualified'],
): Pick<LeadState, 'fit' | 'source' | 'disqualified'> {
  const fitRules: RuleContribution[] = [];
  let fit = 0;
  for (const rule of model.fitRules) {
    if (rule.matches(profile)) {
      fitRules.push({ ruleId: rule.id, points: rule.points });
      fit += rule.points;
    }
  }
  const sourceRules: RuleContribution[] = [];
  let sourcePoints = 0;
  let multiplier = 1;
  for (const rule of model.sourceRules) {
    if (rule.matches(profile)) {
      sourceRules.push({ ruleId: rule.id, points: rule.points });
      sourcePoints += rule.points;
      multiplier *= rule.multiplier;
    }
  }
  let disqualified = current;
  if (disqualified === null) {
    const rule = model.disqualifyRules.find((r) => r.matches(profile));
    if (rule) disqualified = { ruleId: rule.id, reason: rule.reason };
  }
  return {
    fit: { score: fit, rules: fitRules },
    source: { points: sourcePoints, multiplier, rules: sourceRules },
    disqualified,
  };
}
