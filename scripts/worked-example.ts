import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { loadClientConfig } from '#shared/config/load.ts';
import { applyEvent, newLeadState, observe } from '#shared/scoring/engine.ts';
import { type Explanation, explain } from '#shared/scoring/explain.ts';
import { type CompiledModel, compileModel } from '#shared/scoring/model.ts';
import { nextChangeAt } from '#shared/scoring/next-change.ts';
import type { LeadState, Profile } from '#shared/scoring/types.ts';
import { replaceMarkedSection } from './config-reference.ts';

/**
 * The README's worked example, computed by the engine from `test/fixtures/worked-example.json`
 * (one lead, a few events, a moment to read the score at), so that the numbers printed in the
 * documentation are the engine's. `node --import tsx scripts/worked-example.ts [file]`
 * rewrites the marked section; a test fails when the text and the engine disagree.
 */

export const WORKED_EXAMPLE_PATH = 'test/fixtures/worked-example.json';
export const EXAMPLE_START = '<!-- worked-example:start -->';
export const EXAMPLE_END = '<!-- worked-example:end -->';

export interface WorkedExample {
  readonly client: string;
  readonly leadId: string;
  /** Brought by the first event (the contact form). */
  readonly profile: Profile;
  readonly events: readonly { at: string; type: string; attributes: Record<string, unknown> }[];
  /** When the score is read. */
  readonly at: string;
}

export interface TimelineRow {
  readonly at: string;
  readonly type: string;
  readonly awarded: string;
  readonly total: number;
  readonly segment: string;
  readonly notes: string;
}

export function loadWorkedExample(path = WORKED_EXAMPLE_PATH): WorkedExample {
  return JSON.parse(readFileSync(path, 'utf8')) as WorkedExample;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const signed = (n: number) => `${n < 0 ? '−' : '+'}${Math.abs(round2(n)).toFixed(2)}`;

/** Runs the example through the engine: the score after each event and the explanation at `at`. */
export function computeWorkedExample(example: WorkedExample = loadWorkedExample()) {
  const model = compileModel(loadClientConfig(example.client));
  let state = newLeadState(example.leadId, model);
  const timeline: TimelineRow[] = example.events.map((e, i) => {
    const step = applyEvent(
      state,
      {
        id: `worked-${i + 1}`,
        type: e.type,
        occurredAt: Date.parse(e.at),
        attributes: e.attributes,
        ...(i === 0 ? { profile: example.profile } : {}),
      },
      model,
    );
    state = step.state;
    const crossings = step.changes.thresholdCrossings.map(
      (c) => `crosses ${c.name} (${c.direction}${c.fastTrack ? `, fast track by ${c.fastTrack}` : ''})`,
    );
    return {
      at: e.at,
      type: e.type,
      awarded: step.awarded.map((a) => `${a.ruleId} ${signed(a.points)}`).join(', ') || '—',
      total: state.reported.score,
      segment: `${state.reported.grade} / ${state.reported.segment}`,
      notes: crossings.join(', '),
    };
  });
  const lastEvent = Math.max(...example.events.map((e) => Date.parse(e.at)));
  return {
    model,
    state,
    timeline,
    explanation: explain(state, model, Date.parse(example.at)),
    nextChange: nextChangeAt(state, model, lastEvent),
  };
}

/** One explanation line per row: kind, rule, points, and what the engagement rule did. */
export function explanationBlock(explanation: Explanation, multiplier: number): string {
  const rows = explanation.lines.map((line) => {
    const notes: string[] = [];
    if (line.awarded !== undefined) notes.push(`${signed(line.awarded)} awarded`);
    if (line.count !== undefined) notes.push(`${line.count}×`);
    if (line.bonus) notes.push(`incl. ${round2(line.bonus)} repeat bonus`);
    if (line.capped) notes.push(`${round2(line.capped)} not counted`);
    const label = line.kind === 'multiplier' ? `×${multiplier}` : '';
    return `${line.kind.padEnd(11)} ${(line.ruleId ?? label).padEnd(20)} ${signed(line.points).padStart(8)}${notes.length ? `  ${notes.join(', ')}` : ''}`;
  });
  return [...rows, `${'total'.padEnd(32)} ${round2(explanation.total).toFixed(2).padStart(8)}`].join('\n');
}

/** The total in one line: fit + source + decayed pool × multiplier. */
function arithmetic(explanation: Explanation, multiplier: number): string {
  const awarded = explanation.lines
    .filter((l) => l.kind === 'engagement')
    .reduce((sum, l) => sum + (l.awarded ?? 0), 0);
  const pool = explanation.engagement / multiplier;
  const f = (n: number) => round2(n).toFixed(2);
  return `In numbers: fit ${f(explanation.fit)} + source ${f(explanation.source)} + engagement (${f(awarded)} points awarded, decayed to ${f(pool)}, × ${multiplier} = ${f(explanation.engagement)}) = **${f(explanation.total)}**.`;
}

/** What decay does next, in words, from the engine's own prediction and observation. */
function describeNextChange(model: CompiledModel, state: LeadState, nextChange: number | null): string {
  if (nextChange === null)
    return 'After the last event, `nextChangeAt` says decay will not change her classification.';
  const { changes } = observe(state, model, nextChange);
  const what = [
    ...(changes.segmentChange ? [`${changes.segmentChange.from} → ${changes.segmentChange.to}`] : []),
    ...changes.thresholdCrossings.map((c) => `${c.name} ${c.direction}`),
  ].join(', ');
  const above = model.thresholds.filter((t) => state.thresholds[t.name]?.above);
  const rearm = above.map((t) => `${t.rearmBelow} for ${t.name}`).join(', ');
  return [
    `After the last event, \`nextChangeAt\` gives \`${new Date(nextChange).toISOString()}\`, the first millisecond at which decay changes her classification (${what}): the decay job reads her then, not every day.`,
    rearm
      ? ` Her threshold states re-arm only below \`rearmBelow\` (${rearm}), so hovering around the line does not alert sales twice.`
      : '',
  ].join('');
}

/** The generated markdown (without the markers). */
export function workedExampleMarkdown(example: WorkedExample = loadWorkedExample()): string {
  const { model, state, timeline, explanation, nextChange } = computeWorkedExample(example);
  const p = example.profile;
  return [
    `_Computed by the engine from \`${WORKED_EXAMPLE_PATH}\` by \`scripts/worked-example.ts\`; do not edit by hand._`,
    '',
    `${p.firstName} ${p.lastName}, ${p.jobTitle} at ${p.company} (${p.industry}, ${p.employees} employees, ${p.country}), came from a \`${p.source}\` campaign and filled in the contact form:`,
    '',
    '| Time (UTC) | Event | Points awarded | Score after | Grade / segment | |',
    '| --- | --- | --- | --- | --- | --- |',
    ...timeline.map(
      (r) =>
        `| ${r.at.replace('T', ' ').replace(':00Z', '')} | \`${r.type}\` | ${r.awarded} | ${round2(r.total).toFixed(2)} | ${r.segment} | ${r.notes} |`,
    ),
    '',
    `Read at ${example.at.replace('T', ' ').replace(':00Z', '')} UTC (\`GET /v1/leads/{id}\` or \`explain()\`), model \`${explanation.modelVersion}\`:`,
    '',
    '```text',
    explanationBlock(explanation, state.source.multiplier),
    '```',
    '',
    arithmetic(explanation, state.source.multiplier),
    '',
    describeNextChange(model, state, nextChange),
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2] ?? 'docs-scoring.md';
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, replaceMarkedSection(text, workedExampleMarkdown(), EXAMPLE_START, EXAMPLE_END));
  console.log(`updated the worked example in ${file}`);
}
