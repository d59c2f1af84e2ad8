import type { CompiledModel } from './model.ts';
import type { LeadState, Profile, ProfileValue, RuleContribution } from './types.ts';

/** Standard profile fields (PRODUCT §3.6): a form input with one of these names maps to itself. */
export const STANDARD_FIELDS = [
  'email',
  'firstName',
  'lastName',
  'company',
  'jobTitle',
  'phone',
  'country',
  'industry',
  'employees',
  'annualRevenue',
  'source',
  'campaign',
] as const;

/** Fields the engine derives from others (never taken from a post). */
export const DERIVED_FIELDS = ['emailDomain'] as const;

/**
 * The profile's size budget (PRODUCT §3.7): whatever is posted, a lead's stored record stays
 * small. A post past a limit is refused with a 400 naming the field (see `profileBudgetIssues`);
 * the engine applies the same limits when it folds events, so a replay can never exceed them.
 */
export const PROFILE_LIMITS = {
  /** Fields beyond the standard and derived ones, per lead. */
  customFields: 40,
  /** Characters of one string value. */
  valueLength: 1024,
  /** Characters of the whole profile as JSON. */
  profileChars: 16_384,
} as const;

const KNOWN_FIELDS: ReadonlySet<string> = new Set<string>([
  ...STANDARD_FIELDS,
  ...DERIVED_FIELDS,
  'fullName',
]);

const isCustom = (field: string) => !KNOWN_FIELDS.has(field);

const text = (value: ProfileValue | undefined) =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;

/**
 * A lead's name as sales reads it: first and last name, else the full name a form sent
 * (`full_name` → `fullName`), else null. One definition for the lead item, its API and the
 * events and messages about it.
 */
export function displayName(profile: Readonly<Profile>): string | null {
  const name = [text(profile.firstName), text(profile.lastName)].filter(Boolean).join(' ');
  return name || text(profile.fullName) || null;
}

/** Characters JSON.stringify escapes in a string (else its JSON is the string in quotes). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON escapes
const NEEDS_ESCAPING = /["\\\u0000-\u001f\ud800-\udfff]/;

/** The length of a value's JSON (without building it for plain strings and finite numbers). */
function jsonLength(value: ProfileValue): number {
  if (typeof value === 'string' && !NEEDS_ESCAPING.test(value)) return value.length + 2;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value).length;
  return JSON.stringify(value).length;
}

/** A field's share of the profile's JSON size. */
const sizeOf = (field: string, value: ProfileValue) => field.length + jsonLength(value) + 4;

/**
 * At least the JSON size of the profile's fields: a string's JSON is at most 6 characters per
 * character (`\uXXXX`) plus quotes; a number's at most 24 (`-2.2250738585072014e-308`).
 */
function maxSizeOf(profile: Readonly<Profile>): number {
  let size = 0;
  for (const field in profile) {
    const value = profile[field];
    size += field.length + (typeof value === 'string' ? 6 * value.length + 2 : 24) + 4;
  }
  return size;
}

/** How much of the budget a profile uses: its custom fields and (unless not `sized`) its size. */
function budgetUsed(profile: Profile, sized = true): { custom: number; chars: number } {
  let custom = 0;
  let chars = 0;
  for (const field in profile) {
    if (!Object.hasOwn(profile, field)) continue;
    if (isCustom(field)) custom++;
    if (sized) chars += sizeOf(field, profile[field]!);
  }
  return { custom, chars };
}

/** Profile fields derived from others, so rules can test them (the email's domain). */
export function withDerivedFields(profile: Profile): Profile {
  const email = profile.email;
  if (typeof email !== 'string' || email.lastIndexOf('@') < 0) return profile;
  const derived = { ...profile };
  deriveFields(derived);
  return derived;
}

/** Sets the derived fields of a profile the caller owns (see `withDerivedFields`). */
function deriveFields(profile: Profile): void {
  const email = profile.email;
  if (typeof email !== 'string') return;
  const at = email.lastIndexOf('@');
  if (at >= 0) profile.emailDomain = email.slice(at + 1).toLowerCase();
}

/** True when a profile update carries at least one field (without allocating a key list). */
export function hasFields(profile: Readonly<Profile> | undefined): profile is Readonly<Profile> {
  if (profile === undefined) return false;
  for (const _ in profile) return true;
  return false;
}

export interface BudgetIssue {
  readonly field: string;
  readonly message: string;
}

/**
 * What of `incoming` the lead's profile has no room for: a new custom field past the count, a
 * value too long, or a profile grown past its size. Empty when all of it fits.
 */
export function profileBudgetIssues(current: Profile, incoming: Readonly<Profile>): BudgetIssue[] {
  const issues: BudgetIssue[] = [];
  let { custom, chars } = budgetUsed(current);
  for (const [field, value] of Object.entries(incoming)) {
    if (typeof value === 'string' && value.length > PROFILE_LIMITS.valueLength) {
      issues.push({ field, message: `longer than ${PROFILE_LIMITS.valueLength} characters` });
      continue;
    }
    const existing = Object.hasOwn(current, field) ? current[field] : undefined;
    if (existing === undefined && isCustom(field) && ++custom > PROFILE_LIMITS.customFields) {
      issues.push({
        field,
        message: `a lead keeps at most ${PROFILE_LIMITS.customFields} custom fields; this one would be one more`,
      });
      continue;
    }
    chars += sizeOf(field, value) - (existing === undefined ? 0 : sizeOf(field, existing));
    if (chars > PROFILE_LIMITS.profileChars) {
      issues.push({
        field,
        message: `the lead's profile would exceed ${PROFILE_LIMITS.profileChars} characters`,
      });
    }
  }
  return issues;
}

/**
 * Merges profile fields in event-time order: a non-blank incoming value replaces the stored
 * one, except that an untrusted source (an anonymous form post) never overwrites a field an
 * authenticated source set. Fields past the budget are left out (the API refuses such posts
 * before they are stored; this keeps a replay within the budget whatever it reads).
 */
export function mergeProfile(
  current: Profile,
  trustedFields: readonly string[],
  incoming: Readonly<Profile>,
  trusted: boolean,
): { profile: Profile; trustedFields: readonly string[]; changed: boolean } {
  const merged: Profile = { ...current };
  let trustedNext = trustedFields;
  let changed = false;
  // Sizes matter only if the profile could outgrow its budget (rare): else they are not tracked.
  const sized = maxSizeOf(current) + maxSizeOf(incoming) > PROFILE_LIMITS.profileChars;
  let { custom, chars } = budgetUsed(current, sized);
  for (const field in incoming) {
    if (!Object.hasOwn(incoming, field)) continue;
    const value = incoming[field]!;
    if (typeof value === 'string' && value.trim() === '') continue;
    if (DERIVED_FIELDS.includes(field as (typeof DERIVED_FIELDS)[number])) continue;
    if (!trusted && trustedNext.includes(field)) continue;
    if (typeof value === 'string' && value.length > PROFILE_LIMITS.valueLength) continue;
    const existing = Object.hasOwn(merged, field) ? merged[field] : undefined;
    const newCustom = existing === undefined && isCustom(field);
    if (newCustom && custom >= PROFILE_LIMITS.customFields) continue;
    if (sized) {
      const grown = chars + sizeOf(field, value) - (existing === undefined ? 0 : sizeOf(field, existing));
      if (grown > PROFILE_LIMITS.profileChars) continue;
      chars = grown;
    }
    if (newCustom) custom++;
    if (trusted && !trustedNext.includes(field)) trustedNext = [...trustedNext, field].sort();
    if (existing === value) continue;
    merged[field] = value;
    changed = true;
  }
  if (changed) deriveFields(merged);
  return { profile: changed ? merged : current, trustedFields: trustedNext, changed };
}

/**
 * The parts of a score that depend on the profile alone: fit rules, source points and
 * multiplier, and disqualification, which is sticky (a later clean form does not lift a
 * competitor verdict).
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
