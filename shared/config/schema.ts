import * as z from 'zod';
import { BUILT_IN_LISTS, conditionSchema, conditionsSchema } from './conditions.ts';

/**
 * The client configuration: one file per client (`clients/<name>.yaml`), which is both the
 * scoring model and the settings of that client's stack. Every type in the product that
 * describes configuration is inferred from these schemas.
 */

const ruleId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-_.]*$/, 'rule ids are lower-case slugs (a-z, 0-9, - _ .)')
  .describe('Stable rule id; shown in explanations and audit trails.');

const points = z.number().finite().describe('Points this rule gives (negative for a penalty).');

const windowCap = z
  .object({
    points: z.number().positive().describe('Most points counted within the window.'),
    windowDays: z.number().positive().describe('Length of the sliding window, in days.'),
  })
  .strict();

export const fitRuleSchema = z
  .object({
    id: ruleId,
    description: z.string().optional(),
    when: z.array(conditionSchema).min(1).describe('Conditions on the profile; all must hold.'),
    points,
  })
  .strict();

export const engagementRuleSchema = z
  .object({
    id: ruleId,
    description: z.string().optional(),
    event: z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/, 'event types are snake_case')
      .describe('Event type this rule scores (page_view, email_open, ...).'),
    when: conditionsSchema.describe('Conditions on the event attributes; all must hold.'),
    points,
    category: z.string().optional().describe('Category whose cap this rule shares (e.g. email).'),
    repeat: z
      .object({
        bonus: z.number().nonnegative().describe('Extra points for each repeat of this action.'),
        maxRepeats: z.number().int().positive().describe('How many repeats earn the bonus.'),
      })
      .strict()
      .optional(),
    cap: windowCap.optional().describe('Cap on the points this rule gives within a sliding window.'),
  })
  .strict();

export const disqualificationRuleSchema = z
  .object({
    id: ruleId,
    reason: z.string().min(1).describe('Shown to sales and in the Lead Disqualified event.'),
    when: z.array(conditionSchema).min(1),
  })
  .strict();

export const sourceRuleSchema = z
  .object({
    id: ruleId,
    description: z.string().optional(),
    when: z.array(conditionSchema).min(1).describe('Conditions on the profile (source, campaign).'),
    points: z.number().finite().default(0).describe('Points added to the score (never decay).'),
    multiplier: z.number().positive().default(1).describe('Multiplier applied to the engagement score.'),
  })
  .strict();

const inactivityStepSchema = z
  .object({
    afterDays: z.number().positive().describe('Days without activity before this step applies.'),
    subtract: z.number().positive().optional().describe('Points taken from engagement (never below zero).'),
    multiply: z.number().min(0).max(1).optional().describe('Factor engagement is multiplied by.'),
  })
  .strict()
  .refine((s) => (s.subtract === undefined) !== (s.multiply === undefined), {
    message: 'an inactivity step needs exactly one of subtract or multiply',
    path: ['subtract'],
  });

export const decaySchema = z
  .object({
    halfLifeDays: z
      .number()
      .positive()
      .nullable()
      .default(7)
      .describe('Engagement halves every this many days; null turns half-life decay off.'),
    inactivity: z
      .array(inactivityStepSchema)
      .default([])
      .describe('Steps applied after N days without activity (e.g. 10 / 30 / 90 days).'),
  })
  .strict();

const bandSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/)
      .refine((n) => n !== 'disqualified', 'the segment name "disqualified" is reserved'),
    min: z.number().optional().describe('Lowest score in this band; the last band has no min.'),
  })
  .strict();

const bandsSchema = z
  .array(bandSchema)
  .min(1)
  .superRefine((bands, ctx) => {
    bands.forEach((band, index) => {
      const last = index === bands.length - 1;
      if (last && band.min !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'min'],
          message: 'the last band catches the rest: omit min',
        });
      }
      if (!last && band.min === undefined) {
        ctx.addIssue({ code: 'custom', path: [index, 'min'], message: 'only the last band may omit min' });
      }
      const previous = bands[index - 1];
      if (previous?.min !== undefined && band.min !== undefined && band.min >= previous.min) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'min'],
          message: 'bands must be listed from highest min to lowest',
        });
      }
    });
  });

export const thresholdSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/),
    score: z.number().describe('Crossing this score upward emits Lead Threshold Crossed.'),
    rearmBelow: z
      .number()
      .optional()
      .describe(
        'Hysteresis: the lead must fall below this score before it can cross again (default score - 10).',
      ),
    lifecycle: z.enum(['mql', 'sql']).optional().describe('Lifecycle stage reached on crossing.'),
  })
  .strict()
  .refine((t) => t.rearmBelow === undefined || t.rearmBelow < t.score, {
    message: 'rearmBelow must be below score',
    path: ['rearmBelow'],
  });

const gradeSchema = z
  .object({
    grade: z.string().regex(/^[A-Z]$/),
    minFit: z.number().optional().describe('Lowest fit score for this grade; the last grade has no minFit.'),
  })
  .strict();

export const accountSchema = z
  .object({
    enabled: z.boolean().default(true),
    method: z.enum(['sum', 'topN', 'cappedSum']).default('topN'),
    topN: z.number().int().positive().default(3),
    cap: z.number().positive().optional().describe('Upper bound of the account score for cappedSum.'),
    segments: bandsSchema.default([{ name: 'hot', min: 200 }, { name: 'warm', min: 100 }, { name: 'cold' }]),
  })
  .strict()
  .refine((a) => a.method !== 'cappedSum' || a.cap !== undefined, {
    message: 'cappedSum needs cap',
    path: ['cap'],
  });

export const modelSchema = z
  .object({
    version: z.string().min(1).describe('Model version recorded with every score.'),
    fit: z.object({ rules: z.array(fitRuleSchema).default([]) }).strict(),
    engagement: z
      .object({
        rules: z.array(engagementRuleSchema).default([]),
        categories: z
          .record(z.string(), z.object({ cap: windowCap }).strict())
          .default({})
          .describe('Caps shared by every rule of a category.'),
      })
      .strict(),
    disqualify: z.array(disqualificationRuleSchema).default([]),
    source: z.array(sourceRuleSchema).default([]),
    decay: decaySchema.default({ halfLifeDays: 7, inactivity: [] }),
    thresholds: z.array(thresholdSchema).default([{ name: 'mql', score: 100, lifecycle: 'mql' }]),
    segments: bandsSchema.default([{ name: 'hot', min: 100 }, { name: 'warm', min: 50 }, { name: 'cold' }]),
    grades: z
      .array(gradeSchema)
      .min(1)
      .default([
        { grade: 'A', minFit: 40 },
        { grade: 'B', minFit: 20 },
        { grade: 'C', minFit: 0 },
        { grade: 'D' },
      ]),
    account: accountSchema.default({
      enabled: true,
      method: 'topN',
      topN: 3,
      segments: [{ name: 'hot', min: 200 }, { name: 'warm', min: 100 }, { name: 'cold' }],
    }),
  })
  .strict();

const profileField = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/);

export const formSchema = z
  .object({
    description: z.string().optional(),
    fields: z
      .record(z.string(), profileField)
      .default({})
      .describe('Form input name -> profile field. Standard field names map to themselves.'),
    allowedOrigins: z.array(z.string()).default([]).describe('Origins allowed to post with fetch() (CORS).'),
    redirectUrl: z
      .union([z.url(), z.string().regex(/^\/(?!\/)/, 'a path on the API host, such as /thanks.html')])
      .optional()
      .describe(
        'Thank-you page for plain HTML posts (303 redirect): an absolute URL, or a path on the API host.',
      ),
    honeypotField: z.string().default('website').describe('Hidden input that humans leave empty.'),
    requiredFields: z
      .array(profileField)
      .default([])
      .describe('Profile fields besides email that must be present.'),
  })
  .strict();

const ownerSchema = z.object({ name: z.string().min(1), email: z.email() }).strict();

export const routeSchema = z
  .object({
    owner: ownerSchema,
    slackChannel: z.string().optional().describe('Channel named in the Slack message.'),
    slackWebhookSecret: z
      .string()
      .optional()
      .describe('Secrets Manager name of this route’s Slack webhook URL (else the default one).'),
    emailTo: z.array(z.email()).default([]).describe('Recipients of the email notification.'),
  })
  .strict();

export const routingRuleSchema = routeSchema.extend({
  id: ruleId,
  when: z
    .array(conditionSchema)
    .min(1)
    .describe('Conditions on the profile (country, industry, employees, ...).'),
});

export const notificationsSchema = z
  .object({
    notifyOn: z
      .object({
        thresholds: z
          .array(z.string())
          .default(['mql'])
          .describe('Thresholds whose upward crossing notifies.'),
        segments: z.array(z.string()).default(['hot']).describe('Segments whose entry notifies.'),
      })
      .strict()
      .default({ thresholds: ['mql'], segments: ['hot'] }),
    slack: z
      .object({
        enabled: z.boolean().default(true),
        webhookSecretName: z
          .string()
          .optional()
          .describe('Secrets Manager secret holding the default webhook URL.'),
      })
      .strict()
      .default({ enabled: true }),
    email: z
      .object({
        enabled: z.boolean().default(true),
        from: z.email().describe('Sender; its domain is the SES identity.'),
        identity: z.string().optional().describe('SES identity (domain) to create; default the from domain.'),
      })
      .strict(),
    routing: z
      .object({
        rules: z.array(routingRuleSchema).default([]),
        default: routeSchema,
      })
      .strict(),
    leadUrlBase: z.url().optional().describe('Base of the lead links in messages (default: the API URL).'),
  })
  .strict();

export const clientConfigSchema = z
  .object({
    $schema: z.string().optional(),
    client: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,30}$/, 'client names are lower-case slugs of 2-31 characters')
      .describe('Client name: stack, table and bus names carry it.'),
    displayName: z.string().min(1),
    lists: z
      .record(z.string(), z.array(z.string().min(1)))
      .default({})
      .describe('Named value lists for inList conditions (competitor domains, customers, ...).'),
    model: modelSchema,
    forms: z.record(z.string().regex(/^[a-z0-9-]+$/), formSchema).default({}),
    notifications: notificationsSchema,
    schedule: z
      .object({
        decay: z
          .object({
            cron: z
              .string()
              .default('0 6 * * *')
              .describe('Five-field cron (minute hour day month weekday).'),
            timezone: z.string().default('UTC').describe('IANA time zone of the cron.'),
          })
          .strict()
          .default({ cron: '0 6 * * *', timezone: 'UTC' }),
      })
      .strict()
      .default({ decay: { cron: '0 6 * * *', timezone: 'UTC' } }),
    retention: z
      .object({
        eventDays: z.number().int().positive().default(400).describe('Raw events expire after this.'),
      })
      .strict()
      .default({ eventDays: 400 }),
    api: z
      .object({
        rateLimit: z.number().positive().default(50).describe('Steady requests per second per route.'),
        burstLimit: z.number().int().positive().default(100),
      })
      .strict()
      .default({ rateLimit: 50, burstLimit: 100 }),
  })
  .strict()
  .superRefine(checkReferences);

export type ClientConfig = z.infer<typeof clientConfigSchema>;
export type ModelConfig = ClientConfig['model'];
export type FitRule = z.infer<typeof fitRuleSchema>;
export type EngagementRule = z.infer<typeof engagementRuleSchema>;
export type FormConfig = z.infer<typeof formSchema>;
export type Route = z.infer<typeof routeSchema>;
export type RoutingRule = z.infer<typeof routingRuleSchema>;
export type Band = z.infer<typeof bandSchema>;

type Ctx = z.RefinementCtx;

/** Cross-field checks zod cannot express per field: unique ids, known lists and categories. */
function checkReferences(config: z.output<z.ZodObject>, ctx: Ctx): void {
  const c = config as unknown as ClientConfig;
  const knownLists = new Set<string>([...BUILT_IN_LISTS, ...Object.keys(c.lists ?? {})]);
  const checkIds = (rules: { id: string }[], path: (string | number)[]) => {
    const seen = new Set<string>();
    rules.forEach((rule, index) => {
      if (seen.has(rule.id))
        ctx.addIssue({
          code: 'custom',
          path: [...path, index, 'id'],
          message: `duplicate rule id "${rule.id}"`,
        });
      seen.add(rule.id);
    });
  };
  const checkLists = (rules: { when: { op: string; list?: string }[] }[], path: (string | number)[]) => {
    rules.forEach((rule, index) => {
      rule.when.forEach((condition, conditionIndex) => {
        if (condition.op === 'inList' && condition.list !== undefined && !knownLists.has(condition.list)) {
          ctx.addIssue({
            code: 'custom',
            path: [...path, index, 'when', conditionIndex, 'list'],
            message: `unknown list "${condition.list}" (built-in: ${BUILT_IN_LISTS.join(', ')}; or define it under lists)`,
          });
        }
      });
    });
  };
  checkIds(c.model.fit.rules, ['model', 'fit', 'rules']);
  checkIds(c.model.engagement.rules, ['model', 'engagement', 'rules']);
  checkIds(c.model.disqualify, ['model', 'disqualify']);
  checkIds(c.model.source, ['model', 'source']);
  checkLists(c.model.fit.rules, ['model', 'fit', 'rules']);
  checkLists(c.model.engagement.rules, ['model', 'engagement', 'rules']);
  checkLists(c.model.disqualify, ['model', 'disqualify']);
  checkLists(c.model.source, ['model', 'source']);
  checkLists(c.notifications.routing.rules, ['notifications', 'routing', 'rules']);
  const categories = c.model.engagement.categories;
  c.model.engagement.rules.forEach((rule, index) => {
    if (rule.category !== undefined && categories[rule.category] === undefined) {
      // A category without a cap is allowed, but a typo should not silently disable a cap.
      ctx.addIssue({
        code: 'custom',
        path: ['model', 'engagement', 'rules', index, 'category'],
        message: `unknown category "${rule.category}" (define it under model.engagement.categories)`,
      });
    }
  });
  const thresholdNames = new Set(c.model.thresholds.map((t) => t.name));
  c.notifications.notifyOn.thresholds.forEach((name, index) => {
    if (!thresholdNames.has(name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['notifications', 'notifyOn', 'thresholds', index],
        message: `unknown threshold "${name}"`,
      });
    }
  });
  const segmentNames = new Set(c.model.segments.map((s) => s.name));
  c.notifications.notifyOn.segments.forEach((name, index) => {
    if (!segmentNames.has(name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['notifications', 'notifyOn', 'segments', index],
        message: `unknown segment "${name}"`,
      });
    }
  });
  c.model.grades.forEach((grade, index) => {
    const last = index === c.model.grades.length - 1;
    if (last !== (grade.minFit === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['model', 'grades', index, 'minFit'],
        message: last
          ? 'the last grade catches the rest: omit minFit'
          : 'only the last grade may omit minFit',
      });
    }
  });
}
