import type { ModelRow } from '#shared/analytics/dataset.ts';
import { buildModelReport, type ModelReport } from '#shared/analytics/report.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { classify, replay } from '#shared/scoring/engine.ts';
import { explain } from '#shared/scoring/explain.ts';
import { type CompiledModel, compileModel } from '#shared/scoring/model.ts';
import type { Classification, LeadState } from '#shared/scoring/types.ts';
import { stateOf } from '#shared/store/lead-item.ts';
import type { LeadRepository } from '#shared/store/lead-repository.ts';
import { scannedEventsOf } from './ingest.ts';
import { modelRowOf, ruleInfoOf } from './model-data.ts';

const round2 = (n: number) => Math.round(n * 100) / 100;

export interface BacktestContext {
  readonly repo: LeadRepository;
  readonly config: ClientConfig;
  readonly model: CompiledModel;
}

/** One rule's points for a lead under the current and the candidate model. */
export interface RuleDiff {
  readonly ruleId: string;
  readonly current: number;
  readonly candidate: number;
}

export interface Mover {
  readonly leadId: string;
  readonly email: string | null;
  readonly current: { readonly score: number; readonly segment: string; readonly grade: string };
  readonly candidate: { readonly score: number; readonly segment: string; readonly grade: string };
  /** The explanation lines that differ (points now under each model). */
  readonly diff: readonly RuleDiff[];
}

export interface BacktestReport {
  readonly at: string;
  readonly currentVersion: string;
  readonly candidateVersion: string;
  readonly leads: number;
  readonly changedSegment: number;
  readonly changedGrade: number;
  /** `from → to` counts of the leads that change segment. */
  readonly segmentMoves: readonly { readonly from: string; readonly to: string; readonly leads: number }[];
  /** Leads above the MQL threshold under the candidate and not now, and the other way round. */
  readonly newMqls: number;
  readonly lostMqls: number;
  readonly mqlThreshold: string | null;
  readonly topMovers: readonly Mover[];
  /** Where outcomes exist: each model's report on the same leads (scores when the outcome came). */
  readonly outcomes: { readonly current: ModelReport; readonly candidate: ModelReport } | null;
}

export interface BacktestOptions {
  readonly segments?: number;
  readonly topMovers?: number;
  /** Bootstrap resamples of each AUC interval (default 1,000). */
  readonly bootstrapIterations?: number;
}

/** The lead's explanation as points by rule id (and by kind for the lines without a rule). */
function pointsByLine(state: LeadState, model: CompiledModel, now: number): Map<string, number> {
  const lines = new Map<string, number>();
  for (const line of explain(state, model, now).lines) {
    const key = line.ruleId ?? `(${line.kind})`;
    lines.set(key, (lines.get(key) ?? 0) + line.points);
  }
  return lines;
}

function diffOf(current: Map<string, number>, candidate: Map<string, number>): RuleDiff[] {
  const keys = new Set([...current.keys(), ...candidate.keys()]);
  const diff: RuleDiff[] = [];
  for (const ruleId of keys) {
    const a = round2(current.get(ruleId) ?? 0);
    const b = round2(candidate.get(ruleId) ?? 0);
    if (a !== b) diff.push({ ruleId, current: a, candidate: b });
  }
  return diff.sort((x, y) => Math.abs(y.candidate - y.current) - Math.abs(x.candidate - x.current));
}

const view = (c: Classification) => ({
  score: round2(c.breakdown.total),
  segment: c.segment,
  grade: c.grade,
});

/**
 * What-if and backtest (PRODUCT §6.5): every lead's stored events replayed under a candidate
 * model, compared with the current model at `now`, without writing or publishing anything.
 * The current side is the stored lead when it was scored by the current model version, else
 * its events replayed under the current model, so only the model change shows.
 */
export async function runBacktest(
  ctx: BacktestContext,
  candidateConfig: ClientConfig,
  now: number,
  options: BacktestOptions = {},
): Promise<BacktestReport> {
  const candidate = compileModel(candidateConfig);
  const segments = options.segments ?? 4;
  const mql = ctx.model.thresholds.find((t) => t.lifecycle === 'mql') ?? ctx.model.thresholds[0];
  const moves = new Map<string, number>();
  const movers: (Mover & { delta: number })[] = [];
  const rows: { current: ModelRow[]; candidate: ModelRow[] } = { current: [], candidate: [] };
  const counts = { leads: 0, changedSegment: 0, changedGrade: 0, newMqls: 0, lostMqls: 0 };
  const topN = options.topMovers ?? 10;

  const worker = async (segment: number) => {
    for await (const page of ctx.repo.segmentPartitions(segment, segments)) {
      for (const { lead: item, events: own } of page.partitions) {
        if (item.kind !== 'lead' || item.mergedInto) continue;
        const stored = stateOf(item);
        const events = await scannedEventsOf(ctx.repo, item, own, stored.eventCount);
        const currentState =
          stored.modelVersion === ctx.model.version ? stored : replay(stored, events, ctx.model);
        const candidateState = replay(stored, events, candidate);
        const a = classify(currentState, ctx.model, now);
        const b = classify(candidateState, candidate, now);
        counts.leads++;
        if (a.segment !== b.segment) {
          counts.changedSegment++;
          const key = `${a.segment}\u0000${b.segment}`;
          moves.set(key, (moves.get(key) ?? 0) + 1);
        }
        if (a.grade !== b.grade) counts.changedGrade++;
        if (mql) {
          const wasMql = a.thresholds[mql.name]?.above === true;
          const isMql = b.thresholds[mql.name]?.above === true;
          if (isMql && !wasMql) counts.newMqls++;
          if (wasMql && !isMql) counts.lostMqls++;
        }
        const delta = Math.abs(b.breakdown.total - a.breakdown.total);
        if (delta >= 0.005) {
          movers.push({
            leadId: item.leadId,
            email: item.email ?? null,
            current: view(a),
            candidate: view(b),
            diff: diffOf(
              pointsByLine(currentState, ctx.model, now),
              pointsByLine(candidateState, candidate, now),
            ),
            delta,
          });
          movers.sort((x, y) => y.delta - x.delta || (x.leadId < y.leadId ? -1 : 1));
          if (movers.length > topN) movers.length = topN;
        }
        rows.current.push(modelRowOf(currentState, ctx.model, now, item.createdAt));
        rows.candidate.push(modelRowOf(candidateState, candidate, now, item.createdAt));
      }
    }
  };
  await Promise.all(Array.from({ length: segments }, (_, segment) => worker(segment)));

  const labelled = rows.current.some((r) => r.label !== undefined);
  const reportOf = (modelRows: ModelRow[], model: CompiledModel, version: string) =>
    buildModelReport(
      [...modelRows].sort((x, y) => (x.leadId < y.leadId ? -1 : 1)),
      ruleInfoOf(model),
      {
        generatedAt: new Date(now).toISOString(),
        client: ctx.config.client,
        modelVersion: version,
        ...(options.bootstrapIterations !== undefined
          ? { bootstrapIterations: options.bootstrapIterations }
          : {}),
      },
    );
  return {
    at: new Date(now).toISOString(),
    currentVersion: ctx.model.version,
    candidateVersion: candidate.version,
    ...counts,
    mqlThreshold: mql?.name ?? null,
    segmentMoves: [...moves.entries()]
      .map(([key, leads]) => {
        const [from, to] = key.split('\u0000') as [string, string];
        return { from, to, leads };
      })
      .sort((x, y) => y.leads - x.leads),
    topMovers: movers.map(({ delta: _, ...mover }) => mover),
    outcomes: labelled
      ? {
          current: reportOf(rows.current, ctx.model, ctx.model.version),
          candidate: reportOf(rows.candidate, candidate, candidate.version),
        }
      : null,
  };
}
