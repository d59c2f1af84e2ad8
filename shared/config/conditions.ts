import * as z from 'zod';

/**
 * A condition tests one field of a lead profile (fit, disqualification, source weighting,
 * routing) or of an event's attributes (engagement rules). One vocabulary for every rule kind,
 * so an operator learns it once.
 */
const field = z
  .string()
  .min(1)
  .describe(
    'Field to test: a profile field (email, emailDomain, jobTitle, company, industry, employees, annualRevenue, country, source, campaign, phone, or any custom form field) or an event attribute (url, formId, tier, campaign, ...).',
  );

const scalar = z.union([z.string(), z.number(), z.boolean()]);

export const conditionSchema = z.discriminatedUnion('op', [
  z
    .object({
      op: z.literal('equals'),
      field,
      value: scalar,
      ignoreCase: z.boolean().default(true).describe('Compare strings case-insensitively (default true).'),
    })
    .strict()
    .describe('The field equals the value (strings trimmed; numbers also match numeric strings).'),
  z
    .object({
      op: z.literal('oneOf'),
      field,
      values: z.array(scalar).min(1),
      ignoreCase: z.boolean().default(true),
    })
    .strict()
    .describe('The field equals one of the values.'),
  z
    .object({
      op: z.literal('range'),
      field,
      min: z.number().optional().describe('Inclusive lower bound.'),
      max: z.number().optional().describe('Inclusive upper bound.'),
    })
    .strict()
    .refine((c) => c.min !== undefined || c.max !== undefined, {
      message: 'range needs min, max or both',
      path: ['min'],
    })
    .describe('The field is a number (or numeric string) within min..max, both inclusive.'),
  z
    .object({
      op: z.literal('contains'),
      field,
      value: z.string().min(1).describe('Substring, matched case-insensitively.'),
    })
    .strict()
    .describe('The field is a string containing the value, in any case.'),
  z
    .object({
      op: z.literal('regex'),
      field,
      pattern: z.string().min(1),
      flags: z
        .string()
        .regex(/^[imsu]*$/, 'flags may only contain i, m, s, u')
        .default('i'),
    })
    .strict()
    .superRefine((c, ctx) => {
      try {
        new RegExp(c.pattern, c.flags);
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          path: ['pattern'],
          message: `invalid regular expression: ${(error as Error).message}`,
        });
      }
    })
    .describe('The field matches the regular expression (JavaScript syntax; flags default to i).'),
  z
    .object({ op: z.literal('missing'), field })
    .strict()
    .describe('The field is absent, null or blank (no phone, no company).'),
  z
    .object({ op: z.literal('present'), field })
    .strict()
    .describe('The field has a non-blank value.'),
  z
    .object({
      op: z.literal('inList'),
      field,
      list: z
        .string()
        .min(1)
        .describe(
          'A list name: one of the built-in maintained lists (personal-email-domains, disposable-email-domains) or a key of the top-level `lists`.',
        ),
    })
    .strict()
    .describe(
      'The field (trimmed, any case) is in a named list: a maintained built-in one or one of `lists`.',
    ),
]);

export type Condition = z.infer<typeof conditionSchema>;

/** All conditions must hold (AND). An empty list always holds. */
export const conditionsSchema = z.array(conditionSchema).default([]);

/** Names of the lists that ship with leadscore, backed by maintained npm packages. */
export const BUILT_IN_LISTS = ['personal-email-domains', 'disposable-email-domains'] as const;
