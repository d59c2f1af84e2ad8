import { createHash } from 'node:crypto';
import type { ImportedLead, ImportStatus } from './imported-lead.ts';
import { type IngestContext, type IngestEvent, ingestEvent, ingestNewLead } from './ingest.ts';
import { outcomeEvent, recordOutcome } from './outcome.ts';

/** The event type an imported CRM row is stored as (not snake_case: no API client can send it). */
export const IMPORTED_EVENT_TYPE = 'lead.imported';

const SILENT = { silent: true } as const;

/**
 * Imports one lead of a CRM export (PRODUCT §6.2a): its row becomes a trusted `lead.imported`
 * event at its creation time (the id is a hash of its id and attributes, so the same row again
 * is a duplicate, even when its times default to the import's start, and a changed row updates
 * the profile), and its outcome an outcome event. An outcome already stored is kept (the first
 * import of it wins; correct one through the API). Scored by the current model, silently:
 * nothing is published, now or by a later decay.
 */
export async function importLead(ctx: IngestContext, lead: ImportedLead, now: number): Promise<ImportStatus> {
  const digest = createHash('sha256')
    .update(JSON.stringify([lead.sourceId, lead.profile]))
    .digest('base64url')
    .slice(0, 22);
  const imported = {
    eventId: `import-${digest}`,
    email: lead.email,
    type: IMPORTED_EVENT_TYPE,
    occurredAt: lead.createdAt,
    attributes: { sourceId: lead.sourceId },
    profile: lead.profile,
    trusted: true,
  };
  // A new lead (the common case): the row and its outcome in one read and one transaction.
  const outcome = lead.outcome && { ...outcomeEvent(lead.outcome), email: lead.email };
  if (await ingestNewLead(ctx, outcome ? [imported, outcome] : [imported], now, SILENT)) return 'imported';
  const created = await ingestEvent(ctx, imported, now, SILENT);
  if (created.status === 'rejected' || created.status === 'throttled')
    throw new ImportRejectedError(created.reason, created.field);
  let status: ImportStatus = created.status === 'accepted' ? 'imported' : 'unchanged';
  if (lead.outcome) {
    const outcome = await recordOutcome(
      ctx,
      {
        leadId: created.leadId,
        kind: lead.outcome.kind,
        at: lead.outcome.at,
        ...(lead.outcome.value !== undefined ? { value: lead.outcome.value } : {}),
        ...(lead.outcome.currency !== undefined ? { currency: lead.outcome.currency } : {}),
      },
      now,
      SILENT,
    );
    if (outcome.status === 'created') status = 'imported';
    if (outcome.status === 'notFound') throw new ImportRejectedError(outcome.reason, outcome.field);
  }
  return status;
}

/** One engagement event of an import's events file, stored and scored silently. */
export async function importEvent(
  ctx: IngestContext,
  event: IngestEvent,
  now: number,
): Promise<'imported' | 'duplicate' | { rejected: string; field: string }> {
  const result = await ingestEvent(ctx, event, now, SILENT);
  if (result.status === 'accepted') return 'imported';
  if (result.status === 'duplicate') return 'duplicate';
  return { rejected: result.reason, field: result.field };
}

/** A row the lead store refused (a profile over its budget, a conflicting outcome). */
export class ImportRejectedError extends Error {
  override name = 'ImportRejectedError';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}
