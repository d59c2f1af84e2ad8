import * as z from 'zod';
import { integrationsSchema } from '#shared/integrations/schema.ts';
import { MAX_CLIENT_NAME_LENGTH, nameTooLong } from './aws-names.ts';
import { BUILT_IN_LISTS, conditionSchema, conditionsSchema } from './conditions.ts';
import { cronProblem, isKnownTimeZone } from './cron.ts';
import { predictiveSchema } from './predictive.ts';

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

const ruleDescription = z.string().optional().describe('What the rule is for; for people only.');

/**
 * An http(s) URL. Giving zod a protocol makes it parse with `URL.parse` instead of
 * `URL.canParse`, whose V8 fast path on Node 20 was seen to reject a valid URL
 * (`http://127.0.0.1:3000/thanks.html` of the example client) once the process was warm.
 */
const httpUrl = () => z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

const windowCap = z
  .object({
    points: z.number().positive().describe('Most points counted within the window.'),
    windowDays: z.number().positive().describe('Length of the sliding window, in days.'),
  })
  .strict();

export const fitRuleSchema = z
  .object({
    id: ruleId,
    description: ruleDescription,
    when: z.array(conditionSchema).min(1).describe('Conditions on the profile; all must hold.'),
    points,
  })
  .strict();

export const engagementRuleSchema = z
  .object({
    id: ruleId,
    description: ruleDescription,
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
      .optional()
      .describe('Repeat bonus (+5–10 per repeat of the same action in the background tables).'),
    cap: windowCap.optional().describe('Cap on the points this rule gives within a sliding window.'),
    resubmitWindowDays: z
      .number()
      .min(0)
      .optional()
      .describe(
        'The rule awards at most once within this many days (default 30 for form_submit rules, so repeated posts of a form earn its points once; 0 turns it off).',
      ),
    qualifies: z
      .union([
        z.string(),
        z
          .object({
            threshold: z.string().describe('The threshold the rule qualifies a lead for (mql, ...).'),
            grades: z
              .array(z.string().regex(/^[A-Z]$/))
              .min(1)
              .optional()
              .describe('Only leads of these grades are fast-tracked (default: any grade).'),
            holdDays: z
              .number()
              .positive()
              .default(30)
              .describe('Days the fast track holds the threshold whatever the score.'),
          })
          .strict(),
      ])
      .optional()
      .describe(
        'Fast track (PRODUCT §2.13): when the rule fires, the lead crosses this threshold whatever its points (a threshold name, or { threshold, grades, holdDays }).',
      ),
  })
  .strict();

export const disqualificationRuleSchema = z
  .object({
    id: ruleId,
    reason: z.string().min(1).describe('Shown to sales and in the Lead Disqualified event.'),
    when: z.array(conditionSchema).min(1).describe('Conditions on the profile; all must hold.'),
  })
  .strict();

export const sourceRuleSchema = z
  .object({
    id: ruleId,
    description: ruleDescription,
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
      .refine((n) => n !== 'disqualified', 'the segment name "disqualified" is reserved')
      .describe('Segment name (hot, warm, cold, ...); "disqualified" is reserved.'),
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
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/)
      .describe('Threshold name (mql, ...): in the Lead Threshold Crossed event and notifyOn.'),
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
    grade: z
      .string()
      .regex(/^[A-Z]$/)
      .describe('Grade letter, read with the segment as "A / hot".'),
    minFit: z.number().optional().describe('Lowest fit score for this grade; the last grade has no minFit.'),
  })
  .strict();

export const accountSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Roll leads of one company up into an account score.'),
    method: z
      .enum(['sum', 'topN', 'cappedSum'])
      .default('topN')
      .describe("How the account score adds up its leads' scores: all, the top N, or all up to cap."),
    topN: z.number().int().positive().default(3).describe('How many of the best leads count for topN.'),
    cap: z.number().positive().optional().describe('Upper bound of the account score for cappedSum.'),
    segments: bandsSchema
      .default([{ name: 'hot', min: 200 }, { name: 'warm', min: 100 }, { name: 'cold' }])
      .describe('Score bands of the account score, highest first.'),
  })
  .strict()
  .refine((a) => a.method !== 'cappedSum' || a.cap !== undefined, {
    message: 'cappedSum needs cap',
    path: ['cap'],
  });

export const modelSchema = z
  .object({
    version: z.string().min(1).describe('Model version recorded with every score.'),
    fit: z
      .object({
        rules: z
          .array(fitRuleSchema)
          .default([])
          .describe('Fit rules: points for who the lead is; they never decay.'),
      })
      .strict()
      .describe('The explicit (fit) score, from profile attributes.'),
    engagement: z
      .object({
        rules: z
          .array(engagementRuleSchema)
          .default([])
          .describe('Engagement rules: points for what the lead does; they decay.'),
        categories: z
          .record(
            z.string(),
            z.object({ cap: windowCap.describe('The cap every rule of the category shares.') }).strict(),
          )
          .default({})
          .describe('Caps shared by every rule of a category.'),
      })
      .strict()
      .describe('The implicit (engagement) score, from events.'),
    disqualify: z
      .array(disqualificationRuleSchema)
      .default([])
      .describe('Hard rules: a matching lead is disqualified (sticky) and never alerts.'),
    source: z
      .array(sourceRuleSchema)
      .default([])
      .describe('Lead source weighting: points and engagement multipliers by source or campaign.'),
    decay: decaySchema
      .default({ halfLifeDays: 7, inactivity: [] })
      .describe('How engagement decays; fit and source points never do.'),
    thresholds: z
      .array(thresholdSchema)
      .default([{ name: 'mql', score: 100, lifecycle: 'mql' }])
      .describe('Scores whose upward crossing emits one event, with hysteresis.'),
    segments: bandsSchema
      .default([{ name: 'hot', min: 100 }, { name: 'warm', min: 50 }, { name: 'cold' }])
      .describe('Score bands, highest first; every change of segment emits one event.'),
    grades: z
      .array(gradeSchema)
      .min(1)
      .default([
        { grade: 'A', minFit: 40 },
        { grade: 'B', minFit: 20 },
        { grade: 'C', minFit: 0 },
        { grade: 'D' },
      ])
      .describe('Grades from the fit score, highest first.'),
    account: accountSchema
      .default({
        enabled: true,
        method: 'topN',
        topN: 3,
        segments: [{ name: 'hot', min: 200 }, { name: 'warm', min: 100 }, { name: 'cold' }],
      })
      .describe('Account score: leads of one company (email domain) rolled up.'),
    predictive: predictiveSchema
      .optional()
      .describe('Opt-in blend of a trained model (`leadscore train --out`): its own explanation line.'),
  })
  .strict();

const profileField = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/)
  .describe('A profile field name (email, company, jobTitle, ... or a custom one).');

export const formSchema = z
  .object({
    description: z.string().optional().describe('What the form is; for people only.'),
    fields: z
      .record(z.string(), profileField)
      .default({})
      .describe('Form input name -> profile field. Standard field names map to themselves.'),
    allowedOrigins: z.array(z.string()).default([]).describe('Origins allowed to post with fetch() (CORS).'),
    redirectUrl: z
      .union([httpUrl(), z.string().regex(/^\/(?!\/)/, 'a path on the API host, such as /thanks.html')])
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

const ownerSchema = z
  .object({
    name: z.string().min(1).describe("The owner's name, shown in notifications."),
    email: z.email().describe("The owner's email address."),
  })
  .strict()
  .describe('The sales rep who owns the leads this route matches.');

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
      .default({ thresholds: ['mql'], segments: ['hot'] })
      .describe('Which changes notify sales (disqualified leads never do).'),
    slack: z
      .object({
        enabled: z.boolean().default(true).describe('Post notifications to Slack.'),
        webhookSecretName: z
          .string()
          .optional()
          .describe(
            'An existing Secrets Manager secret holding the default webhook URL, which the stack references; default: the stack creates leadscore/<client>/slack-webhook.',
          ),
      })
      .strict()
      .default({ enabled: true })
      .describe('Slack notifier (incoming webhook; Block Kit messages).'),
    email: z
      .object({
        enabled: z.boolean().default(true).describe('Send notification emails.'),
        from: z.email().describe('Sender; its domain is the SES identity.'),
        identity: z
          .enum(['create', 'existing'])
          .default('create')
          .describe(
            'create: the stack creates the SES identity (DKIM records to add); existing: it is already verified in the account (another stack or client may own it), the stack only sends from it.',
          ),
        identityDomain: z
          .string()
          .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'a domain name such as example.com')
          .optional()
          .describe('SES identity (domain) to send from; default the from domain.'),
      })
      .strict()
      .describe('Email notifier (SES v2 deployed; a local outbox or SMTP locally).'),
    routing: z
      .object({
        rules: z
          .array(routingRuleSchema)
          .default([])
          .describe('Routes by territory, industry or size; the first that matches wins.'),
        default: routeSchema.describe('The route of a lead no rule matches.'),
      })
      .strict()
      .describe('Who is told about a lead: owner, Slack channel and email recipients.'),
    leadUrlBase: httpUrl().optional().describe('Base of the lead links in messages (default: the API URL).'),
  })
  .strict()
  .describe('Notifications to sales when a lead crosses a threshold or changes segment.');

/** Why a client name is at most {@link MAX_CLIENT_NAME_LENGTH} characters: the name that binds. */
const CLIENT_NAME_TOO_LONG = (() => {
  const binding = nameTooLong('x'.repeat(MAX_CLIENT_NAME_LENGTH + 1));
  const example = binding?.name.replace(/x+/, '<client>') ?? '';
  return `client names have at most ${MAX_CLIENT_NAME_LENGTH} characters: the ${binding?.kind} name ${example} must fit AWS's ${binding?.limit}`;
})();

export const clientConfigSchema = z
  .object({
    $schema: z.string().optional().describe('JSON Schema of this file, for editors (ignored).'),
    client: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, 'client names are lower-case slugs (a-z, 0-9, -) starting with a letter')
      .min(2, 'client names have at least 2 characters')
      .max(MAX_CLIENT_NAME_LENGTH, CLIENT_NAME_TOO_LONG)
      .describe(
        'Client name: every AWS name of its stack carries it (leadscore-<client>-...), so its length is bounded by the longest (an EventBridge rule name, at most 64).',
      ),
    displayName: z.string().min(1).describe('Human name of the client, shown in messages.'),
    lists: z
      .record(
        z.string(),
        z.array(z.string().min(1)).describe('The values (domains, industries, countries, ...), in any case.'),
      )
      .default({})
      .describe('Named value lists for inList conditions (competitor domains, customers, ...).'),
    model: modelSchema.describe('The scoring model (PRODUCT §2).'),
    forms: z
      .record(z.string().regex(/^[a-z0-9-]+$/), formSchema)
      .default({})
      .describe('Forms posted to POST /v1/forms/{formId}, by form id.'),
    notifications: notificationsSchema,
    integrations: integrationsSchema,
    schedule: z
      .object({
        decay: z
          .object({
            cron: z
              .string()
              .superRefine((cron, ctx) => {
                const problem = cronProblem(cron);
                if (problem) ctx.addIssue({ code: 'custom', message: problem });
              })
              .default('0 6 * * *')
              .describe(
                'Five-field cron (minute hour day month weekday), as EventBridge Scheduler can run it: numbers, names, ranges, lists, steps (none on the weekday), one of the two day fields *.',
              ),
            timezone: z
              .string()
              .refine(isKnownTimeZone, { error: (issue) => `unknown time zone "${String(issue.input)}"` })
              .default('UTC')
              .describe('IANA time zone of the cron (Europe/Berlin).'),
          })
          .strict()
          .default({ cron: '0 6 * * *', timezone: 'UTC' })
          .describe('When the daily decay job runs.'),
      })
      .strict()
      .default({ decay: { cron: '0 6 * * *', timezone: 'UTC' } })
      .describe('Scheduled jobs.'),
    alarms: z
      .object({
        email: z
          .array(z.email())
          .default([])
          .describe('Who is emailed when an alarm fires or clears (SNS; each address confirms once).'),
      })
      .strict()
      .default({ email: [] })
      .describe(
        'Where the stack’s alarms go: the SNS topic leadscore-<client>-alarms, also for Chatbot or PagerDuty.',
      ),
    retention: z
      .object({
        eventDays: z.number().int().positive().default(400).describe('Raw events expire after this.'),
      })
      .strict()
      .default({ eventDays: 400 })
      .describe('How long raw events are kept.'),
    api: z
      .object({
        rateLimit: z.number().positive().default(50).describe('Steady requests per second per route.'),
        burstLimit: z
          .number()
          .int()
          .positive()
          .default(100)
          .describe('Requests allowed in a burst per route.'),
      })
      .strict()
      .default({ rateLimit: 50, burstLimit: 100 })
      .describe('HTTP API throttling.'),
  })
  .strict()
  .superRefine(checkReferences, { when: () => true });

export type ClientConfig = z.infer<typeof clientConfigSchema>;
export type ModelConfig = ClientConfig['model'];
export type FitRule = z.infer<typeof fitRuleSchema>;
export type EngagementRule = z.infer<typeof engagementRuleSchema>;
export type FormConfig = z.infer<typeof formSchema>;
export type Route = z.infer<typeof routeSchema>;
export type RoutingRule = z.infer<typeof routingRuleSchema>;
export type Band = z.infer<typeof bandSchema>;

type Ctx = z.RefinementCtx;
type Path = (string | number)[];

/** The value as an array, or none: cross-field checks also run on configs with other errors. */
const items = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
/** The value as a record, or an empty one. */
const fields = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

const issue = (ctx: Ctx, path: Path, message: string) => ctx.addIssue({ code: 'custom', path, message });

function checkUnique(ctx: Ctx, list: unknown, key: string, path: Path, what: string): void {
  const seen = new Set<unknown>();
  items(list).forEach((item, index) => {
    const value = fields(item)[key];
    if (typeof value !== 'string') return;
    if (seen.has(value)) issue(ctx, [...path, index, key], `duplicate ${what} "${value}"`);
    seen.add(value);
  });
}

function checkLists(ctx: Ctx, rules: unknown, path: Path, knownLists: ReadonlySet<string>): void {
  items(rules).forEach((rule, index) => {
    items(fields(rule).when).forEach((condition, conditionIndex) => {
      const { op, list } = fields(condition);
      if (op === 'inList' && typeof list === 'string' && !knownLists.has(list)) {
        issue(
          ctx,
          [...path, index, 'when', conditionIndex, 'list'],
          `unknown list "${list}" (built-in: ${BUILT_IN_LISTS.join(', ')}; or define it under lists)`,
        );
      }
    });
  });
}

function checkNames(ctx: Ctx, names: unknown, known: ReadonlySet<unknown>, path: Path, what: string): void {
  items(names).forEach((name, index) => {
    if (typeof name === 'string' && !known.has(name))
      issue(ctx, [...path, index], `unknown ${what} "${name}"`);
  });
}

function checkGrades(ctx: Ctx, grades: unknown): void {
  const list = items(grades);
  list.forEach((grade, index) => {
    const { minFit } = fields(grade);
    const last = index === list.length - 1;
    if (last !== (minFit === undefined)) {
      issue(
        ctx,
        ['model', 'grades', index, 'minFit'],
        last ? 'the last grade catches the rest: omit minFit' : 'only the last grade may omit minFit',
      );
    }
    const previous = fields(list[index - 1]).minFit;
    if (typeof previous === 'number' && typeof minFit === 'number' && minFit >= previous) {
      issue(ctx, ['model', 'grades', index, 'minFit'], 'grades must be listed from highest minFit to lowest');
    }
  });
}

/**
 * Cross-field checks zod cannot express per field: unique ids, known lists, categories,
 * thresholds and segments, grade order. They run even when other fields are invalid (so that
 * one pass lists every error), hence they read the input defensively.
 */
function checkReferences(config: unknown, ctx: Ctx): void {
  const c = fields(config);
  const model = fields(c.model);
  const engagement = fields(model.engagement);
  const notifications = fields(c.notifications);
  const knownLists = new Set<string>([...BUILT_IN_LISTS, ...Object.keys(fields(c.lists))]);
  const ruleSets: [unknown, Path][] = [
    [fields(model.fit).rules, ['model', 'fit', 'rules']],
    [engagement.rules, ['model', 'engagement', 'rules']],
    [model.disqualify, ['model', 'disqualify']],
    [model.source, ['model', 'source']],
  ];
  for (const [rules, path] of ruleSets) {
    checkUnique(ctx, rules, 'id', path, 'rule id');
    checkLists(ctx, rules, path, knownLists);
  }
  const routing = fields(notifications.routing);
  checkUnique(ctx, routing.rules, 'id', ['notifications', 'routing', 'rules'], 'rule id');
  checkLists(ctx, routing.rules, ['notifications', 'routing', 'rules'], knownLists);
  const categories = fields(engagement.categories);
  items(engagement.rules).forEach((rule, index) => {
    const { category } = fields(rule);
    // A typo in a category name must not silently disable its cap.
    if (typeof category === 'string' && categories[category] === undefined) {
      issue(
        ctx,
        ['model', 'engagement', 'rules', index, 'category'],
        `unknown category "${category}" (define it under model.engagement.categories)`,
      );
    }
  });
  const thresholdNames = new Set(items(model.thresholds).map((t) => fields(t).name));
  const gradeLetters = new Set(items(model.grades).map((g) => fields(g).grade));
  items(engagement.rules).forEach((rule, index) => {
    const { qualifies } = fields(rule);
    const path = ['model', 'engagement', 'rules', index, 'qualifies'];
    const threshold = typeof qualifies === 'string' ? qualifies : fields(qualifies).threshold;
    if (typeof threshold === 'string' && !thresholdNames.has(threshold)) {
      issue(
        ctx,
        typeof qualifies === 'string' ? path : [...path, 'threshold'],
        `unknown threshold "${threshold}"`,
      );
    }
    if (typeof qualifies !== 'string')
      checkNames(ctx, fields(qualifies).grades, gradeLetters, [...path, 'grades'], 'grade');
  });
  checkUnique(ctx, model.thresholds, 'name', ['model', 'thresholds'], 'threshold');
  checkUnique(ctx, model.segments, 'name', ['model', 'segments'], 'segment');
  const notifyOn = fields(notifications.notifyOn);
  const segmentNames = new Set(items(model.segments).map((b) => fields(b).name));
  checkNames(
    ctx,
    notifyOn.thresholds,
    thresholdNames,
    ['notifications', 'notifyOn', 'thresholds'],
    'threshold',
  );
  checkNames(ctx, notifyOn.segments, segmentNames, ['notifications', 'notifyOn', 'segments'], 'segment');
  checkGrades(ctx, model.grades);
}
