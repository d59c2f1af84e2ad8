import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import type { Leadscore } from '#shared/app/leadscore.ts';
import { HttpError, json, ValidationError } from '#shared/http/errors.ts';
import { zodFieldIssues } from '#shared/http/middleware.ts';
import { OUTCOME_KINDS } from '#shared/scoring/outcomes.ts';
import type { OutcomeRecord } from '#shared/scoring/types.ts';

/** Outcomes may be dated a little ahead of the server's clock (clock skew), not more. */
const FUTURE_SKEW_MS = 5 * 60_000;

export const LEAD_ID_PATTERN = /^ld_[\w-]{22}$/;

/** The body of POST /v1/leads/{leadId}/outcome (PRODUCT §6.2). */
export const outcomeBodySchema = z
  .object({
    outcome: z.enum(OUTCOME_KINDS).describe('sql (accepted by sales), converted, lost or disqualified.'),
    occurredAt: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('When the outcome was reached (ISO 8601); defaults to the time of receipt.'),
    value: z.number().finite().nonnegative().max(1e12).optional().describe('Deal value (converted, lost).'),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR')
      .optional()
      .describe('ISO 4217 currency of the value.'),
    reason: z.string().trim().min(1).max(500).optional().describe('Why (disqualified, lost).'),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.currency !== undefined && body.value === undefined)
      ctx.addIssue({ code: 'custom', path: ['currency'], message: 'currency needs a value' });
    if (body.value !== undefined && (body.outcome === 'sql' || body.outcome === 'disqualified'))
      ctx.addIssue({ code: 'custom', path: ['value'], message: `a ${body.outcome} outcome has no value` });
  });

export type OutcomeBody = z.infer<typeof outcomeBodySchema>;

/** An outcome as the API shows it (times as ISO strings). */
export function outcomeView(record: OutcomeRecord) {
  return { ...record, at: new Date(record.at).toISOString() };
}

export function checkLeadId(leadId: string | undefined): string {
  if (leadId === undefined || !LEAD_ID_PATTERN.test(leadId))
    throw new ValidationError([{ field: 'leadId', message: 'not a leadscore lead id (ld_…)' }]);
  return leadId;
}

/**
 * POST /v1/leads/{leadId}/outcome: 201 with the outcome as stored (the score, segment and grade
 * the lead had then), 200 when the same outcome was stored before (a retry), 409 when the lead
 * already has another outcome of that kind, 404 for an unknown lead, 400 naming the field.
 */
export async function postOutcome(
  app: Leadscore,
  leadIdParam: string | undefined,
  body: unknown,
  now: number,
): Promise<APIGatewayProxyStructuredResultV2> {
  const leadId = checkLeadId(leadIdParam);
  const parsed = outcomeBodySchema.safeParse(body);
  if (!parsed.success) throw new ValidationError(zodFieldIssues(parsed.error));
  const { outcome: kind, occurredAt, value, currency, reason } = parsed.data;
  const at = occurredAt === undefined ? undefined : Date.parse(occurredAt);
  if (at !== undefined && at > now + FUTURE_SKEW_MS)
    throw new ValidationError([{ field: 'occurredAt', message: 'is in the future' }]);
  const result = await app.recordOutcome({
    leadId,
    kind,
    ...(at !== undefined ? { at } : {}),
    ...(value !== undefined ? { value } : {}),
    ...(currency !== undefined ? { currency } : {}),
    ...(reason !== undefined ? { reason } : {}),
  });
  switch (result.status) {
    case 'notFound':
      throw new HttpError(404, 'not_found', result.reason, [{ field: 'leadId', message: 'unknown lead' }]);
    case 'conflict':
      throw new HttpError(409, 'conflict', result.reason, [
        { field: result.field, message: 'differs from the stored outcome' },
      ]);
    default:
      return json(result.status === 'created' ? 201 : 200, {
        status: result.status,
        leadId: result.leadId,
        lifecycle: result.lifecycle,
        outcome: outcomeView(result.outcome),
      });
  }
}
