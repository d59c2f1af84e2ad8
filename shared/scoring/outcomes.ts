import { classify } from './evaluate.ts';
import { explain } from './explain.ts';
import type { CompiledModel } from './model.ts';
import type { LeadState, Lifecycle, OutcomeKind, OutcomeRecord, ScoringEvent } from './types.ts';

/**
 * Outcomes from sales (PRODUCT §6.2) are events of the lead like any other, of type
 * `outcome.<kind>`: stored with its events, folded in event-time order (so a late outcome, a
 * replay and a rescore all agree), erased with it. No engagement rule may use these types.
 */
export const OUTCOME_EVENT_PREFIX = 'outcome.';

export const OUTCOME_KINDS = [
  'sql',
  'converted',
  'lost',
  'disqualified',
] as const satisfies readonly OutcomeKind[];

/** The id of a lead's outcome event of one kind: one outcome of each kind per lead (idempotency). */
export const outcomeEventId = (kind: OutcomeKind) => `outcome-${kind}`;

export const outcomeEventType = (kind: OutcomeKind) => `${OUTCOME_EVENT_PREFIX}${kind}`;

/** The outcome kind an event records, or null for an engagement event. */
export function outcomeKindOf(type: string): OutcomeKind | null {
  if (!type.startsWith(OUTCOME_EVENT_PREFIX)) return null;
  const kind = type.slice(OUTCOME_EVENT_PREFIX.length);
  return (OUTCOME_KINDS as readonly string[]).includes(kind) ? (kind as OutcomeKind) : null;
}

/** The rule id a sales disqualification carries in `state.disqualified`. */
export const SALES_DISQUALIFIED = 'sales';

/**
 * The lifecycle stage after an outcome, in event-time order: sales accepting a lead makes it an
 * SQL (never backwards from a later stage); converted, lost and disqualified are final, and a
 * later final outcome replaces an earlier one (a lost deal won back is a customer).
 */
export function lifecycleAfterOutcome(stage: Lifecycle, kind: OutcomeKind): Lifecycle {
  switch (kind) {
    case 'sql':
      return stage === 'lead' || stage === 'mql' ? 'sql' : stage;
    case 'converted':
      return 'customer';
    case 'lost':
      return 'lost';
    case 'disqualified':
      return 'disqualified';
  }
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** The outcome as recorded: the lead's score, segment, grade and rules at the outcome's time. */
function outcomeRecord(state: LeadState, model: CompiledModel, kind: OutcomeKind, event: ScoringEvent) {
  const t = event.occurredAt;
  const classification = classify(state, model, t);
  const hits: Record<string, number> = {};
  const points: Record<string, number> = {};
  for (const line of explain(state, model, t).lines) {
    if (line.ruleId === undefined) continue;
    hits[line.ruleId] = line.count ?? 1;
    points[line.ruleId] = round2(line.points);
  }
  const { value, currency, reason } = event.attributes;
  const record: OutcomeRecord = {
    kind,
    at: t,
    ...(typeof value === 'number' ? { value } : {}),
    ...(typeof currency === 'string' ? { currency } : {}),
    ...(typeof reason === 'string' ? { reason } : {}),
    score: round2(classification.breakdown.total),
    segment: classification.segment,
    grade: classification.grade,
    hits,
    points,
  };
  return record;
}

/** What an outcome event changes in a lead. */
export type OutcomeEffects = Pick<LeadState, 'disqualified' | 'lifecycle' | 'reached' | 'outcomes'>;

/**
 * What an outcome event (the caller checked it is in order) changes: it is recorded with the
 * lead's score then, moves the lifecycle, and for `disqualified` disqualifies the lead (no more
 * alerts; a later `converted` lifts a sales disqualification). The score itself does not change.
 */
export function outcomeEffects(
  state: LeadState,
  kind: OutcomeKind,
  event: ScoringEvent,
  model: CompiledModel,
): OutcomeEffects {
  const record = outcomeRecord(state, model, kind, event);
  const lifecycle = lifecycleAfterOutcome(state.lifecycle, kind);
  let disqualified = state.disqualified;
  if (kind === 'disqualified' && disqualified === null)
    disqualified = { ruleId: SALES_DISQUALIFIED, reason: record.reason ?? 'disqualified by sales' };
  if (kind === 'converted' && disqualified?.ruleId === SALES_DISQUALIFIED) disqualified = null;
  return {
    disqualified,
    lifecycle,
    reached: reachedAfter(state.reached, state.lifecycle, lifecycle, event.occurredAt),
    outcomes: { ...state.outcomes, [kind]: record },
  };
}

/**
 * The lifecycle stages' first times after the stage moved from `before` to `after` at `t`
 * (unchanged if it did not move or `after` was reached before).
 */
export function reachedAfter(
  reached: LeadState['reached'],
  before: Lifecycle,
  after: Lifecycle,
  t: number,
): LeadState['reached'] {
  if (after === before || reached?.[after] !== undefined) return reached;
  return { ...reached, [after]: t };
}

/** The lead's final outcome (converted, lost or disqualified): the latest of them, if any. */
export function finalOutcome(state: Pick<LeadState, 'outcomes'>): OutcomeRecord | undefined {
  let latest: OutcomeRecord | undefined;
  for (const kind of ['converted', 'lost', 'disqualified'] as const) {
    const record = state.outcomes?.[kind];
    if (record && (latest === undefined || record.at >= latest.at)) latest = record;
  }
  return latest;
}
