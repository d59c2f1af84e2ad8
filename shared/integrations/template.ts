import { detailSchemas } from '#shared/events/contracts.ts';

/**
 * Payload templates, compiled to an EventBridge input transformer. A client file writes a payload
 * as plain JSON (YAML) whose strings may hold `{{path}}` placeholders over the event; this module
 * turns it into the `InputPathsMap` + `InputTemplate` pair that the deployed rule target carries
 * and that the local bus applies (`input-transformer.ts`), so there is one source of truth for
 * both. A string that is exactly one placeholder becomes an unquoted `<var>` (the value keeps its
 * JSON type: a number stays a number, the whole `detail` an object); a placeholder inside other
 * text becomes a quoted one (the value is written into the string), and so does
 * `{{path | string}}` alone (a number written as a string: HubSpot properties are strings).
 */

/** What EventBridge's `InputTransformer` holds. */
export interface InputTransformer {
  readonly inputPathsMap: Readonly<Record<string, string>>;
  readonly inputTemplate: string;
}

/** A template that cannot be compiled; `path` is where in the template (for config errors). */
export class TemplateError extends Error {
  override name = 'TemplateError';
  constructor(
    readonly path: (string | number)[],
    message: string,
  ) {
    super(message);
  }
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Envelope fields a placeholder may name besides `detail.*`. */
const ENVELOPE_FIELDS = new Set(['id', 'detail-type', 'source', 'time', 'account', 'region', 'detail']);
/** Every field some lead event's detail has (the event contracts). */
const DETAIL_FIELDS = new Set(Object.values(detailSchemas).flatMap((schema) => Object.keys(schema.shape)));

const PLACEHOLDER = /\{\{\s*([^{}|]*?)\s*(\|\s*string\s*)?\}\}/g;
const ONLY_PLACEHOLDER = /^\{\{\s*([^{}|]*?)\s*(\|\s*string\s*)?\}\}$/;
const PATH = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
/** EventBridge reads `<name>` as a placeholder and has no escape for `<` and `>`. */
const ANGLE_PLACEHOLDER = /<[A-Za-z0-9_.-]+>/;
/** EventBridge's limit on `InputPathsMap` entries. */
const MAX_INPUT_PATHS = 100;

/** Checks a placeholder path (`detail.newScore`) and returns its JSONPath (`$.detail.newScore`). */
function placeholderJsonPath(path: string, where: (string | number)[]): string {
  if (!PATH.test(path)) {
    throw new TemplateError(where, `"{{${path}}}" is not a dotted path such as detail.newScore`);
  }
  const [root, field] = path.split('.');
  if (!ENVELOPE_FIELDS.has(root ?? '')) {
    throw new TemplateError(
      where,
      `"{{${path}}}" must start with detail, id, time, detail-type, source, account or region`,
    );
  }
  if (root === 'detail' && field !== undefined && !DETAIL_FIELDS.has(field)) {
    throw new TemplateError(
      where,
      `"{{${path}}}": lead events have no detail field "${field}" (known: ${[...DETAIL_FIELDS].join(', ')})`,
    );
  }
  return `$.${path}`;
}

/** Builds one transformer from templates: the same path always gets the same variable. */
class TransformerBuilder {
  readonly paths = new Map<string, string>();
  private readonly names = new Set<string>();

  variable(path: string, where: (string | number)[]): string {
    const jsonPath = placeholderJsonPath(path, where);
    const known = this.paths.get(jsonPath);
    if (known) return known;
    const base = (path.split('.').at(-1) ?? 'value').replace(/[^A-Za-z0-9_-]/g, '_');
    let name = base === 'detail' && path === 'detail' ? 'detail' : base;
    for (let n = 2; this.names.has(name); n++) name = `${base}_${n}`;
    if (this.names.size >= MAX_INPUT_PATHS) {
      throw new TemplateError(where, `a template may use at most ${MAX_INPUT_PATHS} distinct placeholders`);
    }
    this.names.add(name);
    this.paths.set(jsonPath, name);
    return name;
  }

  inputPathsMap(): Record<string, string> {
    return Object.fromEntries([...this.paths].map(([jsonPath, name]) => [name, jsonPath]));
  }
}

function literal(text: string, where: (string | number)[]): string {
  if (ANGLE_PLACEHOLDER.test(text)) {
    throw new TemplateError(
      where,
      `"${text}": text in angle brackets would be read as an EventBridge placeholder`,
    );
  }
  if (text.includes('{{') || text.includes('}}')) {
    throw new TemplateError(where, `"${text}": unbalanced {{ }} placeholder`);
  }
  return JSON.stringify(text).slice(1, -1);
}

function compileString(value: string, where: (string | number)[], vars: TransformerBuilder): string {
  const only = ONLY_PLACEHOLDER.exec(value);
  // `{{path | string}}` alone: a quoted placeholder, so the value is written as a string.
  if (only) {
    const name = vars.variable(only[1] ?? '', where);
    return only[2] ? `"<${name}>"` : `<${name}>`;
  }
  let out = '"';
  let last = 0;
  for (const match of value.matchAll(PLACEHOLDER)) {
    out += literal(value.slice(last, match.index), where);
    out += `<${vars.variable(match[1] ?? '', where)}>`;
    last = match.index + match[0].length;
  }
  return `${out}${literal(value.slice(last), where)}"`;
}

function compileValue(value: Json, where: (string | number)[], vars: TransformerBuilder): string {
  if (typeof value === 'string') return compileString(value, where, vars);
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    return `[${value.map((item, index) => compileValue(item, [...where, index], vars)).join(',')}]`;
  }
  const members = Object.entries(value).map(([key, item]) => {
    const keyText = literal(key, [...where, key]);
    return `"${keyText}":${compileValue(item, [...where, key], vars)}`;
  });
  return `{${members.join(',')}}`;
}

/**
 * Compiles a payload template to an input transformer.
 * @throws TemplateError naming where in the template a placeholder or text is wrong.
 */
export function compileTemplate(template: unknown): InputTransformer {
  const vars = new TransformerBuilder();
  const inputTemplate = compileValue(template as Json, [], vars);
  return { inputPathsMap: vars.inputPathsMap(), inputTemplate };
}

/**
 * Compiles placeholders that must each be one whole value (API destination path parameters):
 * returns their JSONPaths, which EventBridge evaluates against the original event.
 */
export function compilePathParameters(values: readonly string[]): string[] {
  return values.map((value, index) => {
    const only = ONLY_PLACEHOLDER.exec(value);
    if (!only)
      throw new TemplateError([index], `"${value}" must be one placeholder such as {{detail.leadId}}`);
    return placeholderJsonPath(only[1] ?? '', [index]);
  });
}
