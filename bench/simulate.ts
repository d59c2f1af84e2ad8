import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { parseArgs } from 'node:util';
import { loadClientConfig, parseClientConfig } from '#shared/config/load.ts';
import { foldEvents, observe } from '#shared/scoring/engine.ts';
import { type CompiledModel, compileModel } from '#shared/scoring/model.ts';
import type { ScoringEvent } from '#shared/scoring/types.ts';
import {
  DEFAULT_SYNTHETIC,
  generateEvents,
  type SyntheticEvent,
  toScoringEvent,
} from './synthetic-events.ts';

/**
 * `npm run bench -- simulate [--events 1000000] [--leads 100000] [--order lead|time] [--repeat 3]`
 * (PRODUCT §8.8): replaying an NDJSON events file under a candidate model (the example client
 * with pricing views at 15 points instead of 10), end to end, against reading the same file.
 *
 * The synthetic mix is written to a file in a temporary directory, then, in the same run,
 * warm-up and `--repeat` interleaved runs of each of
 * - parse: read the file (1 MiB chunks split into lines) and `JSON.parse` every line;
 * - replay: the same reading and parsing, each event as the engine sees it, grouped by lead,
 *   every lead folded (`foldEvents`: one working copy of the lead) and classified once at the
 *   simulation instant, as `leadscore simulate` does. Leads are keyed and named by normalised
 *   email. Left out: what `leadscore simulate` adds around the replay (zod validation of each
 *   line, the hashed lead id of each event, the ranking and its explanations).
 * The best of each is reported.
 *
 * `--order lead` (the default) writes each lead's events together, in time order, as an export
 * of stored events comes (they are kept by lead) and as `rescore` reads them: the replay then
 * streams, folding a lead as soon as its last event is read, in memory bounded by one lead.
 * `--order time` writes the events in time order, leads interleaved (an export of a tracking
 * log): the replay keeps every event in memory until the file is read (about 250 bytes each:
 * ~250 MB for 1,000,000 events), then folds each lead; holding a million live events costs
 * the garbage collector more than the fold itself.
 */
export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      events: { type: 'string', default: String(DEFAULT_SYNTHETIC.events) },
      leads: { type: 'string', default: String(DEFAULT_SYNTHETIC.leads) },
      order: { type: 'string', default: 'lead' },
      repeat: { type: 'string', default: '3' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const options = { events: Number(values.events), leads: Number(values.leads) };
  if (values.order !== 'lead' && values.order !== 'time')
    throw new RangeError(`--order must be lead or time (got ${values.order})`);
  const replayFile = values.order === 'lead' ? replayByLead : replayGrouped;
  const dir = mkdtempSync(join(tmpdir(), 'leadscore-simulate-'));
  try {
    const file = join(dir, 'events.ndjson');
    const generated = generateEvents(options);
    writeEventsFile(file, values.order === 'lead' ? byLeadInTimeOrder(generated) : generated);
    const model = candidateModel();
    const at = DEFAULT_SYNTHETIC.start + DEFAULT_SYNTHETIC.days * 86_400_000;

    parseFile(file);
    const { leads } = replayFile(file, model, at);

    const parseRates: number[] = [];
    const replayRates: number[] = [];
    for (let i = 0; i < Number(values.repeat); i++) {
      parseRates.push(ratePerSecond(options.events, () => parseFile(file)));
      replayRates.push(ratePerSecond(options.events, () => replayFile(file, model, at).events));
      if (values.verbose)
        console.error(`run ${i + 1}: parse ${parseRates.at(-1)} replay ${replayRates.at(-1)}`);
    }
    const parse = Math.max(...parseRates);
    const replay = Math.max(...replayRates);
    console.log(
      `BENCH simulate events=${options.events} leads=${leads} events_per_s=${Math.round(replay)} ` +
        `parse_events_per_s=${Math.round(parse)} ratio=${(replay / parse).toFixed(2)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The example client with one point value changed: the what-if a simulation answers. */
function candidateModel(): CompiledModel {
  const config = loadClientConfig('example');
  return compileModel(
    parseClientConfig({
      ...config,
      model: {
        ...config.model,
        version: 'bench-candidate',
        engagement: {
          ...config.model.engagement,
          rules: config.model.engagement.rules.map((r) =>
            r.id === 'pricing-page' ? { ...r, points: 15 } : r,
          ),
        },
      },
    }),
  );
}

/** The events lead by lead (in order of each lead's first event), each lead's in time order. */
function byLeadInTimeOrder(events: readonly SyntheticEvent[]): SyntheticEvent[] {
  const byLead = new Map<string, SyntheticEvent[]>();
  for (const event of events) {
    const forLead = byLead.get(event.email);
    if (forLead) forLead.push(event);
    else byLead.set(event.email, [event]);
  }
  return [...byLead.values()].flat();
}

/** Writes the events as NDJSON, a batch of lines at a time. */
function writeEventsFile(file: string, events: readonly SyntheticEvent[]): void {
  const fd = openSync(file, 'w');
  try {
    for (let i = 0; i < events.length; i += 10_000) {
      const batch = events.slice(i, i + 10_000).map((event) => JSON.stringify(event));
      writeSync(fd, `${batch.join('\n')}\n`);
    }
  } finally {
    closeSync(fd);
  }
}

/** Calls `onLine` with every non-empty line of a UTF-8 file, read in 1 MiB chunks. */
function forEachLine(file: string, onLine: (line: string) => void): void {
  const fd = openSync(file, 'r');
  const buffer = Buffer.allocUnsafe(1 << 20);
  const decoder = new StringDecoder('utf8');
  let rest = '';
  try {
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) break;
      const text = rest + decoder.write(buffer.subarray(0, read));
      let start = 0;
      for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
        if (end > start) onLine(text.slice(start, end));
        start = end + 1;
      }
      rest = text.slice(start);
    }
    rest += decoder.end();
    if (rest.length > 0) onLine(rest);
  } finally {
    closeSync(fd);
  }
}

/** Reads and parses every line; returns a value derived from each so the work cannot be skipped. */
function parseFile(file: string): number {
  let sink = 0;
  forEachLine(file, (line) => {
    sink += (JSON.parse(line) as { type: string }).type.length;
  });
  return sink;
}

/** An events-file line as the engine sees it (see `toScoringEvent`), and its lead's key. */
function scoringEventOf(line: string): { email: string; event: ScoringEvent } {
  const { leadId: email, event } = toScoringEvent(JSON.parse(line) as SyntheticEvent);
  return { email, event };
}

/** Folds a lead's events and classifies it at `at`. */
function scoreLead(email: string, events: readonly ScoringEvent[], model: CompiledModel, at: number): void {
  const state = foldEvents(email, events, model);
  if (Number.isNaN(observe(state, model, at).state.reported.score))
    throw new Error(`lead ${email} scored NaN`);
}

type Replay = (file: string, model: CompiledModel, at: number) => { events: number; leads: number };

/**
 * Streams a file whose events come lead by lead: each lead is folded and classified once its
 * last event is read. A lead whose events are not together in the file is refused.
 */
const replayByLead: Replay = (file, model, at) => {
  const done = new Set<string>();
  let current = '';
  let events: ScoringEvent[] = [];
  let count = 0;
  forEachLine(file, (line) => {
    const { email, event } = scoringEventOf(line);
    if (email !== current) {
      if (events.length > 0) scoreLead(current, events, model, at);
      if (done.has(email)) throw new Error(`the events of ${email} are not together: use --order time`);
      done.add(email);
      current = email;
      events = [];
    }
    events.push(event);
    count++;
  });
  if (events.length > 0) scoreLead(current, events, model, at);
  return { events: count, leads: done.size };
};

/** Reads the whole file, grouping the events by lead in memory, then folds each lead. */
const replayGrouped: Replay = (file, model, at) => {
  const byLead = new Map<string, ScoringEvent[]>();
  let count = 0;
  forEachLine(file, (line) => {
    const { email, event } = scoringEventOf(line);
    const forLead = byLead.get(email);
    if (forLead) forLead.push(event);
    else byLead.set(email, [event]);
    count++;
  });
  for (const [email, events] of byLead) scoreLead(email, events, model, at);
  return { events: count, leads: byLead.size };
};

function ratePerSecond(count: number, work: () => number): number {
  const started = process.hrtime.bigint();
  work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return count / seconds;
}
