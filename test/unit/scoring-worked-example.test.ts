import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { markedSection } from '#scripts/config-reference.ts';
import {
  computeWorkedExample,
  EXAMPLE_END,
  EXAMPLE_START,
  loadWorkedExample,
  workedExampleMarkdown,
} from '#scripts/worked-example.ts';
import { scoreAt } from '#shared/scoring/engine.ts';

/** The document that carries the example (README.md once the section is merged there). */
const DOCUMENT = 'README.md';

/** The signed amounts of the printed explanation, line by line, and its total. */
function printedExplanation(markdown: string): { points: number[]; total: number } {
  const block = /```text\n([\s\S]*?)\n```/.exec(markdown)?.[1];
  if (!block) throw new Error('no explanation code block in the worked example');
  const lines = block.split('\n');
  const amount = (line: string) => Number(/([−+]?\d+\.\d{2})(?:\s|$)/.exec(line)?.[1]?.replace('−', '-'));
  return { points: lines.slice(0, -1).map(amount), total: amount(lines.at(-1)!) };
}

describe('worked example of the documentation', () => {
  const section = markedSection(readFileSync(DOCUMENT, 'utf8'), EXAMPLE_START, EXAMPLE_END);

  it('It should print exactly what the engine computes for the example lead', () => {
    expect(section, `${DOCUMENT} has no worked-example markers`).not.toBeNull();
    expect(section).toBe(workedExampleMarkdown());
  });

  it('It should print the explanation lines and the total of the engine at the stated time', () => {
    const { state, model, explanation } = computeWorkedExample();
    const printed = printedExplanation(section ?? '');
    const cents = (n: number) => Math.round(n * 100) / 100;
    expect(printed.points).toEqual(explanation.lines.map((l) => cents(l.points)));
    expect(printed.total).toBe(cents(scoreAt(state, model, Date.parse(loadWorkedExample().at)).total));
    expect(printed.total).toBe(99.87);
  });

  it('It should show the score after each event as the engine reports it', () => {
    const { timeline } = computeWorkedExample();
    const rows = (section ?? '').split('\n').filter((line) => /^\| 20\d\d-/.test(line));
    expect(rows.map((row) => Number(row.split(' | ')[3]))).toEqual(
      timeline.map((r) => Math.round(r.total * 100) / 100),
    );
    expect(rows.filter((row) => row.includes('crosses mql (up, fast track by contact-form)'))).toHaveLength(
      1,
    );
  });
});
