/**
 * EventBridge-compatible event pattern matching.
 *
 * The local event bus routes events with the same patterns the CDK stack deploys as EventBridge
 * rules, and CDK tests check that those rule patterns accept the events we publish. Both need one
 * matcher whose semantics follow the EventBridge documentation ("Event patterns" and "Content
 * filtering in Amazon EventBridge event patterns"); no npm package provides one.
 *
 * The matcher walks the pattern and the event together: no compilation step, no per-match JSON
 * serialisation, no allocation on the common paths. Invalid patterns never throw; they simply fail
 * to match. Use {@link validatePattern} to reject them up front.
 *
 * Known deviations from EventBridge, all caused by matching parsed JavaScript values instead of JSON
 * text:
 * - Numbers compare by value: EventBridge compares exact-match numbers by their JSON text (so
 *   `300` and `3.0e2` differ there) but both parse to the same JavaScript number.
 * - Case-insensitive operators use `String.prototype.toLowerCase`, not full Unicode case folding.
 */

/** A JSON scalar: what an exact-match pattern value or an event leaf value can be. */
export type PatternScalar = string | number | boolean | null;

/** Comparison operators accepted by `numeric`. */
export type NumericOperator = '=' | '>' | '>=' | '<' | '<=';

/** `{"equals-ignore-case": ...}`, the form `prefix` and `suffix` take to ignore case. */
export type IgnoreCase = { readonly 'equals-ignore-case': string };

/** The nested operators `anything-but` accepts instead of a value or a list of values. */
export type AnythingButOperator =
  | { readonly prefix: string }
  | { readonly suffix: string }
  | { readonly wildcard: string }
  | { readonly 'equals-ignore-case': string | readonly string[] };

/** One content-filtering operator object, e.g. `{"prefix": "us-"}`. Exactly one key. */
export type PatternOperator =
  | { readonly prefix: string | IgnoreCase }
  | { readonly suffix: string | IgnoreCase }
  | { readonly 'equals-ignore-case': string }
  | { readonly wildcard: string }
  | {
      readonly 'anything-but': string | number | readonly string[] | readonly number[] | AnythingButOperator;
    }
  | {
      readonly numeric:
        | readonly [NumericOperator, number]
        | readonly [NumericOperator, number, NumericOperator, number];
    }
  | { readonly exists: boolean }
  | { readonly cidr: string };

/** One entry of a field's value list: a literal to match exactly, or an operator. */
export type PatternMatcher = PatternScalar | PatternOperator;

/**
 * An EventBridge event pattern: a JSON object whose keys name event fields. A value is either a
 * list of {@link PatternMatcher}s (the field matches if any entry matches), a nested pattern for an
 * object-valued field (every key must match), or, under the `$or` key, a list of patterns of which at
 * least one must match.
 */
export type EventPattern = {
  readonly [field: string]: readonly PatternMatcher[] | EventPattern | readonly EventPattern[];
};

type JsonObject = Readonly<Record<string, unknown>>;

const OR_KEY = '$or';
const EMPTY: JsonObject = Object.freeze({});

const OPERATORS = new Set([
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
]);
const ANYTHING_BUT_OPERATORS = new Set(['prefix', 'suffix', 'equals-ignore-case', 'wildcard']);
const NUMERIC_OPERATORS = new Set(['=', '>', '>=', '<', '<=']);

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Key of a single-key operator object, or undefined when it has zero or several keys. */
function operatorKey(operator: JsonObject): string | undefined {
  let found: string | undefined;
  for (const key in operator) {
    if (found !== undefined) return undefined;
    found = key;
  }
  return found;
}

/**
 * Caches a parse of pattern strings (wildcards, CIDR blocks) so repeated matches against the same
 * rule do not re-parse it. Bounded: the cache is dropped when full.
 */
function memoize<T>(parse: (text: string) => T, limit = 512): (text: string) => T {
  const cache = new Map<string, T>();
  return (text) => {
    if (cache.has(text)) return cache.get(text) as T;
    if (cache.size >= limit) cache.clear();
    const parsed = parse(text);
    cache.set(text, parsed);
    return parsed;
  };
}

// ---------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------

/**
 * Tells whether `event` matches `pattern` the way an EventBridge rule would.
 *
 * Why: the local bus and the CDK rule tests must agree with the deployed rules, so this follows the
 * documented semantics: fields absent from the pattern are ignored; every pattern field must match
 * (AND), any entry of a value list may match (OR); an array in the event matches if any element does;
 * literals match type-exactly (`"5"` never matches `5`, `null` never matches `""`); `$or` may appear
 * at any level next to other fields; `exists` only sees leaf values, so a field holding an object
 * counts as absent, and a field holding `null` counts as present.
 *
 * Never throws: an unknown operator or malformed entry just does not match.
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return matchObject(pattern, isObject(event) ? event : EMPTY);
}

function matchObject(pattern: JsonObject, event: JsonObject): boolean {
  for (const key in pattern) {
    if (!matchField(key, pattern[key], event)) return false;
  }
  return true;
}

function matchField(key: string, spec: unknown, event: JsonObject): boolean {
  if (key === OR_KEY && Array.isArray(spec)) return matchAnyPattern(spec, event);
  const present = Object.hasOwn(event, key) && event[key] !== undefined;
  const value = present ? event[key] : undefined;
  if (Array.isArray(spec)) return matchValueList(spec, value, present);
  if (isObject(spec)) return matchNested(spec, value);
  return false;
}

function matchAnyPattern(patterns: readonly unknown[], event: JsonObject): boolean {
  for (const alternative of patterns) {
    if (isObject(alternative) && matchObject(alternative, event)) return true;
  }
  return false;
}

/**
 * A nested pattern applies to an object; through an array it applies to each object element, so all
 * its fields must match within the same element. With no object to look into, every field is absent
 * (which only `{"exists": false}` accepts).
 */
function matchNested(pattern: JsonObject, value: unknown): boolean {
  if (isObject(value)) return matchObject(pattern, value);
  if (Array.isArray(value) && containsObject(value)) return someObjectElement(pattern, value);
  return matchObject(pattern, EMPTY);
}

function containsObject(values: readonly unknown[]): boolean {
  for (const element of values) {
    if (isObject(element) || (Array.isArray(element) && containsObject(element))) return true;
  }
  return false;
}

function someObjectElement(pattern: JsonObject, values: readonly unknown[]): boolean {
  for (const element of values) {
    if (isObject(element) && matchObject(pattern, element)) return true;
    if (Array.isArray(element) && someObjectElement(pattern, element)) return true;
  }
  return false;
}

function matchValueList(matchers: readonly unknown[], value: unknown, present: boolean): boolean {
  for (const matcher of matchers) {
    if (matchEntry(matcher, value, present)) return true;
  }
  return false;
}

function matchEntry(matcher: unknown, value: unknown, present: boolean): boolean {
  if (isObject(matcher) && typeof matcher.exists === 'boolean') {
    return matcher.exists === (present && hasLeaf(value));
  }
  return present && someLeaf(matcher, value);
}

/** Whether a field value holds at least one leaf (a scalar, possibly inside arrays). */
function hasLeaf(value: unknown): boolean {
  if (!Array.isArray(value)) return !isObject(value);
  for (const element of value) {
    if (hasLeaf(element)) return true;
  }
  return false;
}

/** Whether `matcher` accepts some leaf of `value`; arrays (at any depth) match through any element. */
function someLeaf(matcher: unknown, value: unknown): boolean {
  if (Array.isArray(value)) {
    for (const element of value) {
      if (someLeaf(matcher, element)) return true;
    }
    return false;
  }
  return !isObject(value) && matchLeaf(matcher, value);
}

function matchLeaf(matcher: unknown, value: unknown): boolean {
  if (!isObject(matcher)) return matcher === value;
  const key = operatorKey(matcher);
  const operand = key === undefined ? undefined : matcher[key];
  switch (key) {
    case 'anything-but':
      return matchAnythingBut(operand, value);
    case 'numeric':
      return typeof value === 'number' && Array.isArray(operand) && matchNumeric(operand, value);
    case 'cidr':
      return typeof value === 'string' && typeof operand === 'string' && matchCidr(operand, value);
    default:
      return key !== undefined && typeof value === 'string' && matchStringOperator(key, operand, value);
  }
}

/** The string-only operators, shared by plain matching and `anything-but`. */
function matchStringOperator(key: string, operand: unknown, value: string): boolean {
  switch (key) {
    case 'prefix':
      return matchAffix(operand, value, true);
    case 'suffix':
      return matchAffix(operand, value, false);
    case 'equals-ignore-case':
      return matchIgnoreCase(operand, value);
    case 'wildcard':
      return typeof operand === 'string' && matchWildcard(operand, value);
    default:
      return false;
  }
}

function matchAffix(operand: unknown, value: string, atStart: boolean): boolean {
  let affix = operand;
  let subject = value;
  if (isObject(operand)) {
    affix = operand['equals-ignore-case'];
    if (typeof affix !== 'string') return false;
    affix = affix.toLowerCase();
    subject = value.toLowerCase();
  }
  if (typeof affix !== 'string') return false;
  return atStart ? subject.startsWith(affix) : subject.endsWith(affix);
}

/** `equals-ignore-case` takes one string; inside `anything-but` it may also take a list. */
function matchIgnoreCase(operand: unknown, value: string): boolean {
  const lower = value.toLowerCase();
  if (typeof operand === 'string') return operand.toLowerCase() === lower;
  if (!Array.isArray(operand)) return false;
  for (const candidate of operand) {
    if (typeof candidate === 'string' && candidate.toLowerCase() === lower) return true;
  }
  return false;
}

/**
 * `anything-but` matches every leaf its operand would not: a literal, a list of literals, or one
 * nested string operator. Leaves of other types (numbers against a string list, `null`, ...) match.
 */
function matchAnythingBut(operand: unknown, value: unknown): boolean {
  if (Array.isArray(operand)) return !operand.includes(value);
  if (!isObject(operand)) return operand !== value;
  const key = operatorKey(operand);
  if (key === undefined || !ANYTHING_BUT_OPERATORS.has(key)) return false;
  return typeof value !== 'string' || !matchStringOperator(key, operand[key], value);
}

function matchNumeric(conditions: readonly unknown[], value: number): boolean {
  if (conditions.length === 0) return false;
  for (let i = 0; i < conditions.length; i += 2) {
    const bound = conditions[i + 1];
    if (typeof bound !== 'number' || !compare(conditions[i], value, bound)) return false;
  }
  return true;
}

function compare(operator: unknown, value: number, bound: number): boolean {
  switch (operator) {
    case '=':
      return value === bound;
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Wildcards
// ---------------------------------------------------------------------------------------------

/**
 * Splits a wildcard at its unescaped `*` into literal segments (`\*` is a literal star, `\\` a
 * literal backslash). Returns undefined for a malformed wildcard.
 */
function parseWildcard(wildcard: string): string[] | undefined {
  const segments: string[] = [];
  let current = '';
  for (let i = 0; i < wildcard.length; i++) {
    const char = wildcard[i];
    if (char === '*') {
      if (wildcard[i + 1] === '*') return undefined;
      segments.push(current);
      current = '';
    } else if (char === '\\') {
      const next = wildcard[i + 1];
      if (next !== '*' && next !== '\\') return undefined;
      current += next;
      i++;
    } else {
      current += char;
    }
  }
  segments.push(current);
  return segments;
}

const wildcardSegments = memoize(parseWildcard);

/** Glob match with `*` only: first segment anchors the start, last the end, the rest in order. */
function matchWildcard(wildcard: string, value: string): boolean {
  const segments = wildcardSegments(wildcard);
  if (segments === undefined) return false;
  const first = segments[0] ?? '';
  if (segments.length === 1) return value === first;
  const last = segments[segments.length - 1] ?? '';
  if (value.length < first.length + last.length) return false;
  if (!value.startsWith(first) || !value.endsWith(last)) return false;
  let cursor = first.length;
  const end = value.length - last.length;
  for (let i = 1; i < segments.length - 1; i++) {
    const segment = segments[i] ?? '';
    const at = value.indexOf(segment, cursor);
    if (at < 0 || at + segment.length > end) return false;
    cursor = at + segment.length;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// IP addresses
// ---------------------------------------------------------------------------------------------

/** Parses an IPv4 address into 4 bytes, or an IPv6 address into 8 16-bit groups. */
function parseIp(text: string): number[] | undefined {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const byte = Number(part);
    if (byte > 255) return undefined;
    bytes.push(byte);
  }
  return bytes;
}

function parseIpv6(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = parseIpv6Groups(halves[0] ?? '', halves.length === 1);
  const tail = halves.length === 2 ? parseIpv6Groups(halves[1] ?? '', true) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

/** Colon-separated hex groups; at the end of the address the last may be dotted IPv4 (two groups). */
function parseIpv6Groups(text: string, atEnd: boolean): number[] | undefined {
  if (text === '') return [];
  const groups: number[] = [];
  const parts = text.split(':');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    if (atEnd && i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      groups.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
    } else if (/^[0-9a-f]{1,4}$/i.test(part)) {
      groups.push(Number.parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

type Cidr = { readonly network: number[]; readonly bits: number; readonly width: number };

/** Parses `address/bits`; a bare address is a single-host range. */
function parseCidrText(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const network = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (network === undefined) return undefined;
  const width = network.length === 4 ? 8 : 16;
  const maxBits = network.length * width;
  if (slash < 0) return { network, bits: maxBits, width };
  const bitsText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  return bits > maxBits ? undefined : { network, bits, width };
}

const parseCidr = memoize(parseCidrText);

function matchCidr(cidrText: string, ipText: string): boolean {
  const cidr = parseCidr(cidrText);
  const ip = parseIp(ipText);
  if (cidr === undefined || ip === undefined || ip.length !== cidr.network.length) return false;
  let remaining = cidr.bits;
  for (let i = 0; i < ip.length && remaining > 0; i++) {
    const take = Math.min(remaining, cidr.width);
    const shift = cidr.width - take;
    if ((ip[i] ?? 0) >> shift !== (cidr.network[i] ?? 0) >> shift) return false;
    remaining -= take;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/**
 * Lists what is wrong with a pattern, as human-readable messages prefixed with the offending path
 * (e.g. `detail.state[0]: unknown operator "contains"`). An empty list means the pattern is valid.
 *
 * Why: {@link matchesPattern} silently fails to match a malformed pattern, exactly as a typo in a
 * deployed rule silently drops events. Config loading and tests call this to catch such patterns
 * early. Accepts `unknown` so it can check patterns read from JSON or YAML before they are typed.
 */
export function validatePattern(pattern: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(pattern)) {
    problems.push('pattern: must be a JSON object');
  } else {
    validateObject(pattern, '', problems);
  }
  return problems;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function label(path: string): string {
  return path === '' ? 'pattern' : path;
}

function validateObject(pattern: JsonObject, path: string, problems: string[]): void {
  if (Object.keys(pattern).length === 0) {
    problems.push(`${label(path)}: must not be empty`);
  }
  for (const key in pattern) {
    const spec = pattern[key];
    const at = join(path, key);
    if (key === OR_KEY) validateOr(spec, at, problems);
    else if (Array.isArray(spec)) validateValueList(spec, at, problems);
    else if (isObject(spec)) validateObject(spec, at, problems);
    else problems.push(`${at}: must be an array of values or a nested pattern object`);
  }
}

function validateOr(spec: unknown, path: string, problems: string[]): void {
  if (!Array.isArray(spec) || spec.length < 2) {
    problems.push(`${path}: must be an array of at least two patterns`);
    return;
  }
  spec.forEach((alternative, i) => {
    if (isObject(alternative)) validateObject(alternative, `${path}[${i}]`, problems);
    else problems.push(`${path}[${i}]: must be a pattern object`);
  });
}

function validateValueList(list: readonly unknown[], path: string, problems: string[]): void {
  if (list.length === 0) problems.push(`${path}: must not be an empty array`);
  list.forEach((entry, i) => {
    const at = `${path}[${i}]`;
    const problem = isObject(entry) ? operatorProblem(entry) : scalarProblem(entry);
    if (problem !== undefined) problems.push(`${at}: ${problem}`);
  });
}

function scalarProblem(value: unknown): string | undefined {
  if (Array.isArray(value)) return 'nested arrays are not allowed in a value list';
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'numbers must be finite';
  return `unsupported value of type ${typeof value}`;
}

function operatorProblem(operator: JsonObject): string | undefined {
  const keys = Object.keys(operator);
  const key = keys[0];
  if (key === undefined) return 'operator object must not be empty';
  if (keys.length > 1) return `operator object must have exactly one key, got ${keys.join(', ')}`;
  if (!OPERATORS.has(key)) return `unknown operator "${key}"`;
  const operand = operator[key];
  switch (key) {
    case 'prefix':
    case 'suffix':
      return affixProblem(key, operand);
    case 'equals-ignore-case':
      return typeof operand === 'string' ? undefined : '"equals-ignore-case" takes a string';
    case 'wildcard':
      return wildcardProblem(operand);
    case 'anything-but':
      return anythingButProblem(operand);
    case 'numeric':
      return numericProblem(operand);
    case 'exists':
      return typeof operand === 'boolean' ? undefined : '"exists" takes true or false';
    case 'cidr':
      return typeof operand === 'string' && parseCidr(operand) !== undefined
        ? undefined
        : '"cidr" takes an IPv4 or IPv6 CIDR block such as "10.0.0.0/24"';
    default:
      return undefined;
  }
}

function affixProblem(key: string, operand: unknown): string | undefined {
  if (typeof operand === 'string') return undefined;
  if (isObject(operand) && operatorKey(operand) === 'equals-ignore-case') {
    if (typeof operand['equals-ignore-case'] === 'string') return undefined;
  }
  return `"${key}" takes a string or {"equals-ignore-case": string}`;
}

function wildcardProblem(operand: unknown): string | undefined {
  if (typeof operand !== 'string') return '"wildcard" takes a string';
  if (operand.includes('**')) return 'consecutive wildcard characters are not allowed';
  return wildcardSegments(operand) === undefined
    ? 'a backslash may only escape "*" or "\\" in a wildcard'
    : undefined;
}

function anythingButProblem(operand: unknown): string | undefined {
  if (typeof operand === 'string') return undefined;
  if (typeof operand === 'number') return Number.isFinite(operand) ? undefined : 'numbers must be finite';
  if (Array.isArray(operand)) return anythingButListProblem(operand);
  if (!isObject(operand)) return '"anything-but" takes a string, a number, a list or one string operator';
  const key = operatorKey(operand);
  if (key === undefined || !ANYTHING_BUT_OPERATORS.has(key)) {
    return '"anything-but" only nests one of prefix, suffix, equals-ignore-case or wildcard';
  }
  const nested = operand[key];
  if (key === 'wildcard') return wildcardProblem(nested);
  if (typeof nested === 'string') return undefined;
  if (key === 'equals-ignore-case' && Array.isArray(nested)) return anythingButListProblem(nested, true);
  return `"anything-but" "${key}" takes a single string`;
}

function anythingButListProblem(list: readonly unknown[], stringsOnly = false): string | undefined {
  if (list.length === 0) return '"anything-but" list must not be empty';
  const allStrings = list.every((item) => typeof item === 'string');
  const allNumbers = list.every((item) => typeof item === 'number' && Number.isFinite(item));
  if (allStrings || (allNumbers && !stringsOnly)) return undefined;
  return stringsOnly
    ? '"equals-ignore-case" list must contain only strings'
    : '"anything-but" list must contain only strings or only numbers';
}

function numericProblem(operand: unknown): string | undefined {
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) {
    return '"numeric" takes [operator, number] or [lower operator, number, upper operator, number]';
  }
  for (let i = 0; i < operand.length; i += 2) {
    const operator: unknown = operand[i];
    if (typeof operator !== 'string' || !NUMERIC_OPERATORS.has(operator)) {
      return `unknown numeric operator ${JSON.stringify(operator)}`;
    }
    const bound = operand[i + 1];
    if (typeof bound !== 'number' || !Number.isFinite(bound)) return 'numeric bounds must be finite numbers';
  }
  if (operand.length === 2) return undefined;
  const [lowOp, low, highOp, high] = operand as [string, number, string, number];
  if ((lowOp !== '>' && lowOp !== '>=') || (highOp !== '<' && highOp !== '<=')) {
    return 'a numeric range must be a lower bound (">" or ">=") followed by an upper bound ("<" or "<=")';
  }
  const nonEmpty = low < high || (low === high && lowOp === '>=' && highOp === '<=');
  return nonEmpty ? undefined : 'numeric range is empty: its lower bound exceeds its upper bound';
}
