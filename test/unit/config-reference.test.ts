import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configReferenceMarkdown, markedSection } from '#scripts/config-reference.ts';

/** The document that carries the reference (README.md once the section is merged there). */
const DOCUMENT = 'README.md';

describe('configuration reference', () => {
  const generated = configReferenceMarkdown();

  it('It should be in the documentation exactly as generated from the schema', () => {
    const section = markedSection(readFileSync(DOCUMENT, 'utf8'));
    expect(section, `${DOCUMENT} has no <!-- config-reference:start/end --> markers`).not.toBeNull();
    expect(section).toBe(generated);
  });

  it('It should list every field with its type, default and description', () => {
    const rows = generated.split('\n').filter((line) => line.startsWith('| `') && !line.startsWith('| `op`'));
    const fields = rows.filter((row) => row.split(' | ').length === 4);
    expect(fields.map((row) => row.slice(3, row.indexOf('`', 3)))).toEqual(
      expect.arrayContaining([
        'client',
        'model.engagement.rules[].cap.windowDays',
        'model.engagement.categories.<category>.cap.points',
        'model.decay.halfLifeDays',
        'model.thresholds[].rearmBelow',
        'forms.<formId>.redirectUrl',
        'notifications.routing.rules[].when',
      ]),
    );
    expect(generated).toContain('| `model.decay.halfLifeDays` | number > 0 \\| null | `7` |');
    expect(fields.filter((row) => row.endsWith(' |  |'))).toEqual([]);
  });

  it('It should document every condition operator', () => {
    for (const op of ['equals', 'oneOf', 'range', 'contains', 'regex', 'missing', 'present', 'inList']) {
      expect(generated).toMatch(new RegExp(`^\\| \`${op}\` \\| .+ \\| .+ \\|$`, 'm'));
    }
  });
});
