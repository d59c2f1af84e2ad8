import { parseArgs } from 'node:util';
import { loadClientConfig } from '#shared/config/load.ts';
import { applyEvent, newLeadState } from '#shared/scoring/engine.ts';
import { type CompiledModel, compileModel } from '#shared/scoring/model.ts';
import type { LeadState, ScoringEvent } from '#shared/scoring/types.ts';
import { DEFAULT_SYNTHETIC, generateEvents, toNdjson, toScoringEvent } from './synthetic-events.ts';

/**
 * PRODUCT §8.1: scoring-core throughput on one core, as a ratio to `JSON.parse` of the same
 * events (the least any ingestion path must do per event). Events are generated in memory,
 * then both loops run on the same data: warm-up, then `--repeat` interleaved runs; the best
 * of each is reported (the least disturbed by other processes on a shared machine).
 */
export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      events: { type: 'string', default: String(DEFAULT_SYNTHETIC.events) },
      leads: { type: 'string', default: String(DEFAULT_SYNTHETIC.leads) },
      repeat: { type: 'string', default: '3' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const { lines, prepared } = syntheticInput(Number(values.events), Number(values.leads));
  const model = compileModel(loadClientConfig('example'));

  const warmUp = Math.min(lines.length, 100_000);
  parseAll(lines.slice(0, warmUp));
  scoreAll(prepared.slice(0, warmUp), model);

  const parseRates: number[] = [];
  const engineRates: number[] = [];
  for (let i = 0; i < Number(values.repeat); i++) {
    parseRates.push(ratePerSecond(lines.length, () => parseAll(lines)));
    engineRates.push(ratePerSecond(prepared.length, () => scoreAll(prepared, model)));
    if (values.verbose)
      console.error(`run ${i + 1}: parse ${parseRates.at(-1)} engine ${engineRates.at(-1)}`);
  }
  const parse = Math.max(...parseRates);
  const engine = Math.max(...engineRates);
  console.log(
    `BENCH core events_per_s=${Math.round(engine)} parse_events_per_s=${Math.round(parse)} ratio=${(engine / parse).toFixed(2)}`,
  );
}

/**
 * The same events as NDJSON lines and as the engine sees them (identity resolved, one lead id
 * string per lead). The generated objects are not kept, so the heap holds only what is measured.
 */
function syntheticInput(events: number, leads: number) {
  const generated = generateEvents({ events, leads });
  const leadIds = new Map<string, string>();
  return { lines: toNdjson(generated), prepared: generated.map((event) => toScoringEvent(event, leadIds)) };
}

/** Parses every line; returns a value derived from each so the work cannot be skipped. */
function parseAll(lines: readonly string[]): number {
  let sink = 0;
  for (const line of lines) sink += (JSON.parse(line) as { type: string }).type.length;
  return sink;
}

/** Scores every event into per-lead states, as the store does one lead at a time. */
function scoreAll(
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
