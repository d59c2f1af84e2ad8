import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { clientJsonSchema } from './config-schema.ts';

/**
 * The README's "Configuration reference", generated from the client config schema (through its
 * JSON Schema) so that the documentation cannot drift from what the loader accepts: one row
 * per field with its type, default and description, and a table of condition operators.
 * `node --import tsx scripts/config-reference.ts [file]` rewrites the marked section of a
 * markdown file; a test checks that the committed text equals this output.
 */

type Node = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, Node>;
  required?: string[];
  additionalProperties?: Node | boolean;
  propertyNames?: Node;
  items?: Node;
  anyOf?: Node[];
  oneOf?: Node[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
};

interface Row {
  readonly path: string;
  readonly type: string;
  readonly fallback: string;
  readonly description: string;
}

export const REFERENCE_START = '<!-- config-reference:start -->';
export const REFERENCE_END = '<!-- config-reference:end -->';

/** What to call the key of a map in a path (`forms.<formId>`); `<name>` otherwise. */
const MAP_KEYS: Record<string, string> = {
  lists: 'list',
  forms: 'formId',
  'forms.<formId>.fields': 'input',
  'model.engagement.categories': 'category',
};

const isCondition = (node: Node): boolean =>
  node.oneOf?.every((variant) => variant.properties?.op?.const !== undefined) === true;

/** A union whose variants are told apart by a `type` constant (`integrations[]`). */
const isTypedUnion = (node: Node | undefined): node is Node & { oneOf: Node[] } =>
  node?.oneOf?.every((variant) => variant.properties?.type?.const !== undefined) === true;

const isMap = (node: Node): node is Node & { additionalProperties: Node } =>
  node.properties === undefined && typeof node.additionalProperties === 'object';

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
const code = (text: string): string => `\`${text}\``;

function bounds(node: Node): string {
  if (node.minimum !== undefined && node.maximum !== undefined) return ` ${node.minimum}–${node.maximum}`;
  if (node.exclusiveMinimum !== undefined) return ` > ${node.exclusiveMinimum}`;
  if (node.minimum !== undefined) return ` ≥ ${node.minimum}`;
  if (node.maximum !== undefined && node.maximum < Number.MAX_SAFE_INTEGER) return ` ≤ ${node.maximum}`;
  return '';
}

/** A short type: `string`, `integer > 0`, `"sum" | "topN"`, `condition[]`, `map of string[]`. */
export function typeOf(node: Node): string {
  if (isCondition(node)) return 'condition';
  if (node.enum) return node.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (node.const !== undefined) return JSON.stringify(node.const);
  const variants = node.anyOf ?? node.oneOf;
  if (variants) return variants.map(typeOf).join(' | ');
  if (Array.isArray(node.type)) return node.type.join(' | ');
  switch (node.type) {
    case 'array': {
      const item = node.items ? typeOf(node.items) : 'unknown';
      return `${item.includes(' ') ? `(${item})` : item}[]${node.minItems ? ` (≥ ${node.minItems})` : ''}`;
    }
    case 'object':
      return isMap(node) ? `map of ${typeOf(node.additionalProperties)}` : 'object';
    case 'string':
      if (node.format === 'uri') return 'URL';
      if (node.format === 'email') return 'email';
      return node.pattern ? `string ${code(node.pattern)}` : 'string';
    case 'number':
    case 'integer':
      return `${node.type}${bounds(node)}`;
    default:
      return node.type ?? 'any';
  }
}

function fallbackOf(node: Node, required: boolean): string {
  if (node.default !== undefined) return code(JSON.stringify(node.default));
  return required ? 'required' : '—';
}

/** One row per field, depth first, in schema order; list items and map values only through their fields. */
function collect(node: Node, path: string, required: boolean, rows: Row[], named = true): void {
  if (named && path !== '') {
    rows.push({
      path,
      type: typeOf(node),
      fallback: fallbackOf(node, required),
      description: node.description ?? '',
    });
  }
  if (node.properties) {
    const needed = new Set(node.required ?? []);
    for (const [key, child] of Object.entries(node.properties)) {
      collect(child, path === '' ? key : `${path}.${key}`, needed.has(key), rows);
    }
  } else if (isMap(node)) {
    const value = node.additionalProperties;
    collect(value, `${path}.<${MAP_KEYS[path] ?? 'name'}>`, true, rows, value.properties === undefined);
  } else if (node.type === 'array' && node.items?.properties) {
    collect(node.items, `${path}[]`, true, rows, false);
  } else if (node.type === 'array' && isTypedUnion(node.items)) {
    // A list of kinds told apart by `type` (integrations): each kind's fields under its name.
    for (const variant of node.items.oneOf ?? []) {
      collect(variant, `${path}[type=${String(variant.properties?.type?.const)}]`, true, rows, false);
    }
  }
}

function findCondition(node: Node): Node | undefined {
  if (isCondition(node)) return node;
  const children = [
    ...Object.values(node.properties ?? {}),
    ...(typeof node.additionalProperties === 'object' ? [node.additionalProperties] : []),
    ...(node.items ? [node.items] : []),
    ...(node.anyOf ?? []),
  ];
  for (const child of children) {
    const found = findCondition(child);
    if (found) return found;
  }
  return undefined;
}

function conditionRows(condition: Node): string[] {
  return (condition.oneOf ?? []).map((variant) => {
    const properties = variant.properties ?? {};
    const needed = new Set(variant.required ?? []);
    const params = Object.entries(properties)
      .filter(([key]) => key !== 'op' && key !== 'field')
      .map(([key, param]) => {
        const fallback =
          param.default !== undefined ? `, default ${code(JSON.stringify(param.default))}` : '';
        const optional = !needed.has(key) && param.default === undefined ? ', optional' : '';
        return `${code(key)} (${typeOf(param)}${fallback}${optional})`;
      });
    const op = code(String(properties.op?.const));
    return `| ${op} | ${cell(params.join('; ') || '—')} | ${cell(variant.description ?? '')} |`;
  });
}

/** The generated markdown (without the markers): the field table and the condition operators. */
export function configReferenceMarkdown(): string {
  const schema = clientJsonSchema() as Node;
  const rows: Row[] = [];
  collect(schema, '', true, rows);
  const fieldTable = [
    '| Field | Type | Default | Description |',
    '| --- | --- | --- | --- |',
    ...rows.map(
      (r) => `| ${code(r.path)} | ${cell(r.type)} | ${cell(r.fallback)} | ${cell(r.description)} |`,
    ),
  ];
  const condition = findCondition(schema);
  const conditionTable = condition
    ? [
        '',
        'A `condition` (in every `when` list; all conditions of a rule must hold) tests one `field` with one operator:',
        '',
        '| `op` | Parameters | Meaning |',
        '| --- | --- | --- |',
        ...conditionRows(condition),
        '',
        `\`field\`: ${cell(condition.oneOf?.[0]?.properties?.field?.description ?? '')}`,
      ]
    : [];
  return [
    '_Generated from `shared/config/schema.ts` by `scripts/config-reference.ts`; do not edit by hand._',
    '',
    ...fieldTable,
    ...conditionTable,
  ].join('\n');
}

/** The text between the reference markers of a markdown document, or null without markers. */
export function markedSection(markdown: string, start = REFERENCE_START, end = REFERENCE_END): string | null {
  const from = markdown.indexOf(start);
  const to = markdown.indexOf(end);
  if (from < 0 || to < from) return null;
  return markdown
    .slice(from + start.length, to)
    .replace(/^\n/, '')
    .replace(/\n$/, '');
}

/** The document with the text between the markers replaced. */
export function replaceMarkedSection(
  markdown: string,
  content: string,
  start = REFERENCE_START,
  end = REFERENCE_END,
): string {
  const from = markdown.indexOf(start);
  const to = markdown.indexOf(end);
  if (from < 0 || to < from) throw new Error(`markers ${start} … ${end} not found`);
  return `${markdown.slice(0, from + start.length)}\n${content}\n${markdown.slice(to)}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2] ?? 'docs-scoring.md';
  writeFileSync(file, replaceMarkedSection(readFileSync(file, 'utf8'), configReferenceMarkdown()));
  console.log(`updated the configuration reference in ${file}`);
}
