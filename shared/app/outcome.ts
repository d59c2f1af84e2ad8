import { outcomeEventId, outcomeEventType } from '#shared/scoring/outcomes.ts';
import type { OutcomeKind, OutcomeRecord } from '#shared/scoring/types.ts';
import { stateOf } from '#shared/store/lead-item.ts';
import { type IngestContext, type IngestOptions, ingestEvent } from './ingest.ts';

/** An outcome sales report for a lead (PRODUCT §6.2), validated. */
export interface OutcomeCommand {
  readonly leadId: string;
  readonly kind: OutcomeKind;
  /** Epoch ms the outcome was reached; the time of receipt when the caller gave none. */
  readonly at?: number;
  readonly value?: number;
  readonly currency?: string;
  readonly reason?: string;
}

export type OutcomeResult =
  /** Stored now (`created`) or stored before with the same fields (`duplicate`: a retry). */
  | {
      status: 'created' | 'duplicate';
      leadId: string;
      outcome: OutcomeRecord;
      lifecycle: string;
    }
  | { status: 'notFound'; field: 'leadId'; reason: string }
  /** The lead already has an outcome of this kind, with other fields (the first named). */
  | { status: 'conflict'; field: string; reason: string; outcome: OutcomeRecord };

/** The lead event an outcome is stored as (one id per kind: a lead has one outcome of each kind). */
export function outcomeEvent(
  outcome: Pick<OutcomeCommand, 'kind' | 'value' | 'currency' | 'reason'> & { readonly at: number },
) {
  return {
    eventId: outcomeEventId(outcome.kind),
    type: outcomeEventType(outcome.kind),
    occurredAt: outcome.at,
    attributes: {
      ...(outcome.value !== undefined ? { value: outcome.value } : {}),
      ...(outcome.currency !== undefined ? { currency: outcome.currency } : {}),
      ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
    },
    trusted: true,
  };
}

/** The first field of the command that differs from the stored outcome, if any. */
function differingField(command: OutcomeCommand, stored: OutcomeRecord): string | undefined {
  if (command.at !== undefined && command.at !== stored.at) return 'occurredAt';
  if (command.value !== stored.value) return 'value';
  if (command.currency !== stored.currency) return 'currency';
  if (command.reason !== stored.reason) return 'reason';
  return undefined;
}

/**
 * Records an outcome (PRODUCT §6.2): an `outcome.<kind>` event of the lead, stored once with
 * the lead's score, segment and grade at the outcome's time, and its lifecycle moved. A lead
 * has one outcome of each kind: the same report again is a duplicate (idempotent retries);
 * another one of the same kind is a conflict.
 */
export async function recordOutcome(
  ctx: IngestContext,
  command: OutcomeCommand,
  now: number,
  options: IngestOptions = {},
): Promise<OutcomeResult> {
  const lookup = async () => {
    const item = await ctx.repo.getLead(command.leadId);
    if (item?.kind !== 'lead') return undefined;
    return item.mergedInto ? await ctx.repo.getLead(item.mergedInto) : item;
  };
  const notFound = { status: 'notFound', field: 'leadId', reason: `no lead "${command.leadId}"` } as const;
  const item = await lookup();
  if (!item) return notFound;
  const existing = stateOf(item).outcomes?.[command.kind];
  if (existing) return compare(command, existing, item.leadId, stateOf(item).lifecycle);
  const result = await ingestEvent(
    ctx,
    { ...outcomeEvent({ ...command, at: command.at ?? now }), leadId: item.leadId },
    now,
    options,
  );
  if (result.status === 'rejected') return notFound;
  const stored = await lookup();
  const state = stored ? stateOf(stored) : undefined;
  const outcome = state?.outcomes?.[command.kind];
  if (!state || !outcome) throw new Error(`outcome of lead ${item.leadId} was stored but cannot be read`);
  if (result.status === 'duplicate') return compare(command, outcome, item.leadId, state.lifecycle);
  return { status: 'created', leadId: item.leadId, outcome, lifecycle: state.lifecycle };
}

function compare(
  command: OutcomeCommand,
  stored: OutcomeRecord,
  leadId: string,
  lifecycle: string,
): OutcomeResult {
  const field = differingField(command, stored);
  if (field === undefined) return { status: 'duplicate', leadId, outcome: stored, lifecycle };
  return {
    status: 'conflict',
    field,
    reason: `lead "${leadId}" already has a ${command.kind} outcome with another ${field}; one outcome of each kind per lead`,
    outcome: stored,
  };
}
