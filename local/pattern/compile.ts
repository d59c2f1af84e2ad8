/**
 * Compiles an event pattern into the flat form EventBridge matches, checking it as PutRule does.
 *
 * EventBridge (through AWS's event-ruler) flattens a pattern into sub-rules: one per combination of
 * `$or` alternatives, each a map from a dot-joined field path (`detail.state`, whether written as
 * nested objects or as a key holding a dot) to the entries of its value list. A field repeated
 * inside an `$or` alternative replaces the one written before the `$or`. The checks and limits are
 * the documented ones: non-empty objects and value lists, known operators with well-formed operands,
 * `$or` with at least two alternatives and no operator names as field names inside it, at most 1000
 * `$or` combinations, at most 2048 characters, and wildcards no more complex than
 * {@link MAX_WILDCARD_COMPLEXITY}.
 */
import { MAX_WILDCARD_COMPLEXITY, type WildcardTerm, wildcardComplexity } from './complexity.ts';
import { compileEntry, type Entry, type LeafValue } from './operators.ts';

/** One field of a sub-rule: its dot-joined path and its compiled value list. */
export type Field = {
  readonly path: string;
  readonly entries: readonly Entry[];
  /** Whether some entry is `{"exists": false}`, so a field with no leaf satisfies it. */
  readonly absentOk: boolean;
  /** Whether some entry accepts this leaf. */
  readonly accepts: (value: LeafValue) => boolean;
};

/** A conjunction of fields; a pattern matches when one of its sub-rules does. */
export type SubRule = readonly Field[];

/** A compiled pattern: its sub-rules, or the problems that make EventBridge reject it. */
export type CompiledPattern = { readonly subRules: readonly SubRule[]; readonly problems: readonly string[] };

/** The documented size limit of an event pattern, in characters of its JSON text. */
export const MAX_PATTERN_CHARACTERS = 2048;
/** The most `$or` combinations (sub-rules) one pattern may expand to. */
export const MAX_OR_COMBINATIONS = 1000;

const OR_KEY = '$or';

/** Operator and reserved names EventBridge refuses as field names inside an `$or` alternative. */
const RESERVED_IN_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

type Rules = Map<string, Field>[];

type Walk = { readonly problems: string[]; overflow: boolean };

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/**
 * Compiles and checks a pattern (accepts `unknown`: patterns often come from JSON or YAML).
 * `size` is the length of the JSON text PutRule would receive, by default the compact JSON.
 */
export function compilePattern(pattern: unknown, size?: number): CompiledPattern {
  const walk: Walk = { problems: [], overflow: false };
  if (!isObject(pattern)) return { subRules: [], problems: ['pattern: must be a JSON object'] };
  let length = size;
  try {
    length ??= JSON.stringify(pattern).length;
  } catch (error) {
    return { subRules: [], problems: [`pattern: is not JSON (${(error as Error).message})`] };
  }
  if (length > MAX_PATTERN_CHARACTERS) {
    walk.problems.push(
      `pattern: is ${length} characters long, EventBridge allows at most ${MAX_PATTERN_CHARACTERS}`,
    );
  }
  const rules: Rules = [];
  compileObject(pattern, '', '', rules, false, walk);
  if (walk.overflow) {
    walk.problems.push(
      `pattern: Rule is too complex: its $or alternatives combine into more than ${MAX_OR_COMBINATIONS} sub-patterns`,
    );
  }
  const subRules = rules.map((rule) => [...rule.values()]);
  if (walk.problems.length === 0) checkComplexity(subRules, walk.problems);
  return { subRules: walk.problems.length === 0 ? subRules : [], problems: walk.problems };
}

/**
 * Walks one object of the pattern. `label` is where a problem is reported (`detail.$or[1].state`),
 * `path` the field path the matcher sees (`detail.state`).
 */
function compileObject(
  pattern: Readonly<Record<string, unknown>>,
  label: string,
  path: string,
  rules: Rules,
  insideOr: boolean,
  walk: Walk,
): void {
  const keys = Object.keys(pattern);
  if (keys.length === 0) walk.problems.push(`${label === '' ? 'pattern' : label}: must not be empty`);
  for (const key of keys) {
    const spec = pattern[key];
    const at = join(label, key);
    if (key === OR_KEY) {
      compileOr(spec, at, path, rules, walk);
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key)) {
      walk.problems.push(`${at}: "${key}" is a reserved operator name and cannot be a field name inside $or`);
      continue;
    }
    if (Array.isArray(spec)) addField(compileValueList(spec, at, join(path, key), walk), rules);
    else if (isObject(spec)) compileObject(spec, at, join(path, key), rules, insideOr, walk);
    else walk.problems.push(`${at}: must be an array of values or a nested pattern object`);
  }
}

function addField(field: Field | undefined, rules: Rules): void {
  if (field === undefined) return;
  if (rules.length === 0) rules.push(new Map());
  for (const rule of rules) rule.set(field.path, field);
}

/** `$or`: every rule so far forks into one copy per alternative, each extended by that alternative. */
function compileOr(spec: unknown, label: string, path: string, rules: Rules, walk: Walk): void {
  if (!Array.isArray(spec) || spec.length < 2) {
    walk.problems.push(`${label}: must be an array of at least two patterns`);
    return;
  }
  const before = rules.length === 0 ? [new Map<string, Field>()] : rules.map((rule) => new Map(rule));
  rules.length = 0;
  spec.forEach((alternative, i) => {
    if (!isObject(alternative)) {
      walk.problems.push(`${label}[${i}]: must be a pattern object`);
      return;
    }
    const forked = before.map((rule) => new Map(rule));
    compileObject(alternative, `${label}[${i}]`, path, forked, true, walk);
    for (const rule of forked) {
      if (rules.length >= MAX_OR_COMBINATIONS) walk.overflow = true;
      else rules.push(rule);
    }
  });
}

function compileValueList(
  list: readonly unknown[],
  label: string,
  path: string,
  walk: Walk,
): Field | undefined {
  if (list.length === 0) {
    walk.problems.push(`${label}: must not be an empty array`);
    return undefined;
  }
  const entries: Entry[] = [];
  list.forEach((item, i) => {
    const entry = compileEntry(item);
    if (typeof entry === 'string') walk.problems.push(`${label}[${i}]: ${entry}`);
    else entries.push(entry);
  });
  const tests = entries.filter((entry) => !entry.absent).map((entry) => entry.test);
  return {
    path,
    entries,
    absentOk: entries.some((entry) => entry.absent),
    accepts: (value) => tests.some((test) => test(value)),
  };
}

/** Equal entries of one value list are one pattern to event-ruler. */
function uniqueByIdentity(entries: readonly Entry[]): Entry[] {
  const unique = new Map<string, Entry>();
  for (const entry of entries) if (!unique.has(entry.identity)) unique.set(entry.identity, entry);
  return [...unique.values()];
}

/**
 * Groups the wildcards as EventBridge's automaton does (a field's wildcards share one byte machine
 * when the fields before it, in path order, are the same) and rejects a group above the limit.
 */
function checkComplexity(subRules: readonly SubRule[], problems: string[]): void {
  const groups = new Map<string, { path: string; terms: WildcardTerm[] }>();
  for (const subRule of subRules) {
    if (!subRule.some((field) => field.entries.some((entry) => entry.wildcards.length > 0))) continue;
    const fields = [...subRule].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    let context = '';
    for (const field of fields) {
      const terms = uniqueByIdentity(field.entries.filter((entry) => entry.wildcards.length > 0));
      const key = `${context}\u0000${field.path}`;
      const group = groups.get(key) ?? { path: field.path, terms: [] };
      group.terms.push(...terms);
      groups.set(key, group);
      context = `${key}=${field.entries.map((entry) => entry.identity).join('|')}`;
    }
  }
  for (const { path, terms } of groups.values()) {
    if (terms.length === 0) continue;
    const complexity = wildcardComplexity(terms);
    if (complexity > MAX_WILDCARD_COMPLEXITY) {
      problems.push(
        `${path}: Rule is too complex (wildcard complexity above ${MAX_WILDCARD_COMPLEXITY}): use fewer wildcard characters or fewer repeated character sequences after a wildcard`,
      );
      return;
    }
  }
}
