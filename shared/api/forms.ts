import * as z from 'zod';
import type { FormConfig } from '#shared/config/schema.ts';
import type { FieldIssue } from '#shared/http/errors.ts';
import type { Profile } from '#shared/scoring/types.ts';
import { contentEventId, normaliseEmail } from '#shared/store/identity.ts';
import { isReservedFieldName } from './field-names.ts';

/** Inputs that are not profile fields. */
const CONTROL_FIELDS = new Set(['anonymousId', 'submissionId', 'redirect', 'spam', 'emailDomain']);
const MAX_FIELDS = 40;
const MAX_VALUE = 1024;
/** Identical submissions within this window are one submission (double clicks, resends). */
const DEDUPE_WINDOW_MS = 10 * 60_000;

const emailSchema = z.email().max(254);
const countrySchema = z
  .string()
  .transform((v) => v.trim().toUpperCase())
  .pipe(z.string().regex(/^[A-Z]{2}$/, 'expected an ISO 3166 alpha-2 code such as US or DE'));
const numberSchema = z
  .string()
  .transform((v) => v.replace(/[,_\s]/g, ''))
  .pipe(z.string().regex(/^\d+(\.\d+)?$/, 'expected a number'))
  .transform(Number)
  // What the store can keep: the SDK refuses integers beyond 2^53, DynamoDB magnitudes below 1e-130.
  .pipe(
    z
      .number()
      .max(Number.MAX_SAFE_INTEGER, 'too large a number')
      .refine((n) => n === 0 || n >= 1e-130, 'too small a number'),
  );

/**
 * The input each profile field was posted as (`email` ← `email` or `work_email`), so that an
 * error names what the page sent, not the form's mapping.
 */
export type PostedInputs = ReadonlyMap<string, string>;

export interface FormSubmission {
  readonly eventId: string;
  readonly profile: Profile;
  readonly inputs: PostedInputs;
  readonly anonymousId?: string;
  /** A honeypot hit or spam heuristics: accepted silently, scored as spam, never alerts. */
  readonly spamReasons: readonly string[];
}

/** Form bodies parse to strings, or string arrays for repeated inputs; keep the first value. */
function flatten(body: unknown): Record<string, string> | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') out[key] = first;
    else if (typeof first === 'number' || typeof first === 'boolean') out[key] = String(first);
    else if (first !== undefined && first !== null) out[key] = '';
  }
  return out;
}

const URL_PATTERN = /(https?:\/\/|www\.)\S+/gi;

/** Cheap spam heuristics; a honeypot hit is the strongest signal. */
function spamReasonsOf(fields: Record<string, string>, honeypotField: string): string[] {
  const reasons: string[] = [];
  if ((fields[honeypotField] ?? '').trim() !== '') reasons.push('honeypot');
  for (const name of ['firstName', 'lastName', 'company', 'jobTitle']) {
    if (URL_PATTERN.test(fields[name] ?? '')) reasons.push(`link in ${name}`);
    URL_PATTERN.lastIndex = 0;
  }
  const links = Object.values(fields).join(' ').match(URL_PATTERN)?.length ?? 0;
  if (links > 3) reasons.push('many links');
  return reasons;
}

/**
 * Parses a form submission (already body-parsed) into a profile by the form's field mapping.
 * Returns every field problem at once; nothing is stored unless all pass.
 */
export function parseFormSubmission(
  formId: string,
  body: unknown,
  form: FormConfig,
  now: number,
): { submission: FormSubmission } | { issues: FieldIssue[] } {
  const fields = flatten(body);
  if (!fields) return { issues: [{ field: 'body', message: 'expected form fields' }] };
  if (Object.keys(fields).length > MAX_FIELDS)
    return { issues: [{ field: 'body', message: `at most ${MAX_FIELDS} fields` }] };
  const issues: FieldIssue[] = [];
  const profile: Profile = {};
  const inputs = new Map<string, string>();
  for (const [input, raw] of Object.entries(fields)) {
    if (input === form.honeypotField || CONTROL_FIELDS.has(input)) continue;
    const target = Object.hasOwn(form.fields, input) ? form.fields[input]! : input;
    // An empty input was sent too: a missing value is named by the input the page has.
    if (!inputs.has(target) || raw.trim() !== '') inputs.set(target, input);
    if (raw.length > MAX_VALUE) {
      issues.push({ field: input, message: `longer than ${MAX_VALUE} characters` });
      continue;
    }
    const value = raw.trim();
    if (value === '') continue;
    if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(target) || isReservedFieldName(target)) {
      issues.push({ field: input, message: 'field names are letters, digits and _, and not reserved words' });
      continue;
    }
    profile[target] = value;
  }
  const email = profile.email;
  if (typeof email !== 'string' || !emailSchema.safeParse(email).success) {
    issues.push({
      field: inputFor('email', form, inputs),
      message: email === undefined ? 'required' : 'not a valid email address',
    });
  } else {
    profile.email = normaliseEmail(email);
  }
  const named = (field: string) => inputFor(field, form, inputs);
  coerce(profile, 'country', countrySchema, named, issues);
  coerce(profile, 'employees', numberSchema, named, issues);
  coerce(profile, 'annualRevenue', numberSchema, named, issues);
  for (const required of form.requiredFields) {
    if (profile[required] === undefined) issues.push({ field: named(required), message: 'required' });
  }
  if (issues.length > 0) return { issues };
  const spamReasons = spamReasonsOf(fields, form.honeypotField);
  const anonymousId = fields.anonymousId?.trim() || undefined;
  const bucket = Math.floor(now / DEDUPE_WINDOW_MS);
  const eventId = fields.submissionId?.trim()
    ? `form:${fields.submissionId.trim().slice(0, 100)}`
    : contentEventId({ formId, profile, bucket });
  return {
    submission: {
      eventId,
      profile,
      inputs,
      spamReasons,
      ...(anonymousId ? { anonymousId: anonymousId.slice(0, 128) } : {}),
    },
  };
}

/**
 * The form input a profile field is named by in an error: the input the page posted it as;
 * else (the page sent none) the input the form's `fields` maps to it; else the field itself.
 */
export function inputFor(field: string, form: FormConfig, posted: PostedInputs): string {
  return (
    posted.get(field) ?? Object.entries(form.fields).find(([, target]) => target === field)?.[0] ?? field
  );
}

function coerce(
  profile: Profile,
  field: string,
  schema: z.ZodType<string | number>,
  named: (field: string) => string,
  issues: FieldIssue[],
) {
  const value = profile[field];
  if (value === undefined) return;
  const parsed = schema.safeParse(String(value));
  if (parsed.success) profile[field] = parsed.data;
  else issues.push({ field: named(field), message: parsed.error.issues[0]?.message ?? 'invalid' });
}
