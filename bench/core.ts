import { parseArgs } from 'node:util';
import { loadClientConfig } from '#shared/config/load.ts';
import { applyEvent, foldEvents, newLeadState, observe } from '#shared/scoring/engine.ts';
import { type CompiledModel, compileModel } from '#shared/scoring/model.ts';
import type { LeadState, ScoringEvent } from '#shared/scoring/types.ts';
import {
  DEFAULT_SYNTHETIC,
  generateEvents,
  type SyntheticEvent,
  toNdjson,
  toScoringEvent,
} from './synthetic-events.ts';

/**
 * PRODUCT §8.1: scoring-core throughput on one core, as a ratio to `JSON.parse` of the same
 * events (the least any path must do per event). Events are generated in memory, then the loops
 * run on the same data: warm-up, then `--repeat` interleaved runs; the best of each is reported
 * (the least disturbed by other processes on a shared machine).
 *
 * `BENCH core` measures the engine as a replay runs it (rescore, simulate, a late event): each
 * lead's events, grouped by lead beforehand (decoded together, as a lead's stored events are
 * read), folded by `foldEvents` on one working copy of the lead and observed once at its last
 * event. (Before the working lead it measured the live
 * pattern below, which is what its figures up to ratio 0.08 were.)
 * `BENCH core_live` (skip with `--live-repeat 0`) measures the live ingest pattern: every event
 * through `applyEvent` (fold and observe) in arrival order, interleaved across 100,000 leads,
 * each step building the lead's stored state; at that many leads garbage collection and cache
 * misses dominate it.
 */
export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      events: { type: 'string', default: String(DEFAULT_SYNTHETIC.events) },
      leads: { type: 'string', default: String(DEFAULT_SYNTHETIC.leads) },
      repeat: { type: 'string', default: '3' },
      'live-repeat': { type: 'string', default: '1' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const { lines, prepared } = syntheticInput(Number(values.events), Number(values.leads));
  const byLead = groupByLead(lines, prepared);
  const model = compileModel(loadClientConfig('example'));

  const warmUp = Math.min(lines.length, 100_000);
  parseAll(lines.slice(0, warmUp));
  replayAll(groupByLead(lines.slice(0, warmUp), prepared.slice(0, warmUp)), model);

  const parseRates: number[] = [];
  const replayRates: number[] = [];
  for (let i = 0; i < Number(values.repeat); i++) {
    parseRates.push(ratePerSecond(lines.length, () => parseAll(lines)));
    replayRates.push(ratePerSecond(prepared.length, () => replayAll(byLead, model)));
    if (values.verbose)
      console.error(`run ${i + 1}: parse ${parseRates.at(-1)} replay ${replayRates.at(-1)}`);
  }
  const parse = Math.max(...parseRates);
  console.log(line('core', Math.max(...replayRates), parse));

  const liveRepeat = Number(values['live-repeat']);
  if (liveRepeat <= 0) return;
  scoreLive(prepared.slice(0, warmUp), model);
  const liveRates: number[] = [];
  for (let i = 0; i < liveRepeat; i++) {
    liveRates.push(ratePerSecond(prepared.length, () => scoreLive(prepared, model)));
    if (values.verbose) console.error(`live run ${i + 1}: ${liveRates.at(-1)}`);
  }
  console.log(line('core_live', Math.max(...liveRates), parse));
}

const line = (name: string, engine: number, parse: number) =>
  `BENCH ${name} events_per_s=${Math.round(engine)} parse_events_per_s=${Math.round(parse)} ratio=${(engine / parse).toFixed(2)}`;

/**
 * The same events as NDJSON lines and as the engine sees them (identity resolved, one lead id
 * string per lead). The generated objects are not kept, so the heap holds only what is measured.
 */
function syntheticInput(events: number, leads: number) {
  const generated = generateEvents({ events, leads });
  const leadIds = new Map<string, string>();
  return { lines: toNdjson(generated), prepared: generated.map((event) => toScoringEvent(event, leadIds)) };
}

/**
 * Each lead's events, in arrival order, as a replay reads them: a lead's stored events come
 * together (one query), so each lead's are decoded together, here from their NDJSON lines.
 */
function groupByLead(lines: readonly string[], prepared: readonly { leadId: string }[]) {
  const linesByLead = new Map<string, string[]>();
  prepared.forEach(({ leadId }, i) => {
    const forLead = linesByLead.get(leadId);
    if (forLead) forLead.push(lines[i]!);
    else linesByLead.set(leadId, [lines[i]!]);
  });
  const byLead = new Map<string, ScoringEvent[]>();
  for (const [leadId, leadLines] of linesByLead) {
    byLead.set(
      leadId,
      leadLines.map((line) => toScoringEvent(JSON.parse(line) as SyntheticEvent).event),
    );
  }
  return byLead;
}

/** Parses every line; returns a value derived from each so the work cannot be skipped. */
function parseAll(lines: readonly string[]): number {
  let sink = 0;
  for (const line of lines) sink += (JSON.parse(line) as { type: string }).type.length;
  return sink;
}

/** Replays every lead from its events and classifies it at its last event, as rescore does. */
function replayAll(byLead: ReadonlyMap<string, readonly ScoringEvent[]>, model: CompiledModel): number {
  let sink = 0;
  for (const [leadId, events] of byLead) {
    const state = foldEvents(leadId, events, model);
    sink += observe(state, model, state.last?.at ?? 0).state.reported.score;
  }
  return sink;
}

/** Scores every event into per-lead states in arrival order, as ingestion does one at a time. */
function scoreLive(
  prepared: readonly { leadId: string; event: ScoringEvent }[],
  model: CompiledModel,
): number {
  const states = new Map<string, LeadState>();
  for (const { leadId, event } of prepared) {
    const state = states.get(leadId) ?? newLeadState(leadId, model);
    states.set(leadId, applyEvent(state, event, model).state);
  }
  return states.size;
}

function ratePerSecond(count: number, work: () => number): number {
  const started = process.hrtime.bigint();
  work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return count / seconds;
}
