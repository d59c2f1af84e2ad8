/**
 * One entry of a pattern's value list, compiled into a test on one event leaf.
 *
 * Each function either returns the compiled entry or the reason EventBridge's PutRule rejects it
 * (the user guide's "Comparison operators" page, and AWS's event-ruler `JsonRuleCompiler` whose
 * checks EventBridge runs).
 */
import { inRange, looksLikeIp, parseCidr, parseIp, singleAddress } from './ip.ts';
import { NOT_COMPARABLE, toMillionths } from './numbers.ts';
import { type Anchor, ignoreCaseMatcher, matchWildcard, parseWildcard, type Wildcard } from './strings.ts';

/** A scalar leaf of an event: what every test sees (arrays and objects are walked through). */
export type LeafValue = string | number | boolean | null;

/** A compiled value-list entry. */
export type Entry = {
  /** Whether the entry accepts this leaf (never called for `exists: false`). */
  readonly test: (value: LeafValue) => boolean;
  /** `{"exists": false}`: satisfied by the field having no leaf at all. */
  readonly absent: boolean;
  /** Equal entries compare equal here (for the wildcard complexity measure). */
  readonly identity: string;
  /** The wildcards the entry holds (`wildcard`, `anything-but` `wildcard`), for the complexity measure. */
  readonly wildcards: readonly Wildcard[];
};

type Compiled = Entry | string;

const NEVER_ABSENT = { absent: false, wildcards: [] } as const;

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Compiles one value-list entry: a literal, or a single-key operator object. */
export function compileEntry(entry: unknown): Compiled {
  if (isObject(entry)) return compileOperator(entry);
  if (Array.isArray(entry)) return 'nested arrays are not allowed in a value list';
  if (typeof entry === 'string') return literalString(entry);
  if (typeof entry === 'number') {
    if (!Number.isFinite(entry)) return 'numbers must be finite';
    return { ...NEVER_ABSENT, identity: JSON.stringify(entry), test: (value) => value === entry };
  }
  if (entry === null || typeof entry === 'boolean') {
    return { ...NEVER_ABSENT, identity: JSON.stringify(entry), test: (value) => value === entry };
  }
  return `unsupported value of type ${typeof entry}`;
}

/** A string literal; one that is an IP address matches the same address however it is written. */
function literalString(text: string): Entry {
  const identity = JSON.stringify(text);
  const address = looksLikeIp(text) ? parseIp(text) : undefined;
  if (address === undefined) return { ...NEVER_ABSENT, identity, test: (value) => value === text };
  const range = singleAddress(address);
  return { ...NEVER_ABSENT, identity, test: (value) => value === text || inRange(range, value) };
}

function compileOperator(operator: Readonly<Record<string, unknown>>): Compiled {
  const keys = Object.keys(operator);
  const key = keys[0];
  if (key === undefined) return 'operator object must not be empty';
  if (keys.length > 1) return `operator object must have exactly one key, got ${keys.join(', ')}`;
  const operand = operator[key];
  const identity = JSON.stringify(operator);
  switch (key) {
    case 'exactly':
      return typeof operand === 'string'
        ? { ...NEVER_ABSENT, identity, test: (value) => value === operand }
        : '"exactly" takes a string';
    case 'prefix':
    case 'suffix':
      return affix(key, operand, identity);
    case 'equals-ignore-case':
      return typeof operand === 'string'
        ? stringEntry(identity, ignoreCaseMatcher(operand, 'whole'))
        : '"equals-ignore-case" takes a string';
    case 'wildcard':
      return wildcard(operand, identity);
    case 'anything-but':
      return anythingBut(operand, identity);
    case 'numeric':
      return numeric(operand, identity);
    case 'exists':
      if (typeof operand !== 'boolean') return '"exists" takes true or false';
      return { identity, absent: !operand, wildcards: [], test: () => operand };
    case 'cidr':
      return cidr(operand, identity);
    default:
      return `unknown operator "${key}"`;
  }
}

function stringEntry(
  identity: string,
  accepts: (value: string) => boolean,
  wildcards: Wildcard[] = [],
): Entry {
  return { identity, absent: false, wildcards, test: (value) => typeof value === 'string' && accepts(value) };
}

function affixMatcher(text: string, anchor: Anchor): (value: string) => boolean {
  return anchor === 'start' ? (value) => value.startsWith(text) : (value) => value.endsWith(text);
}

function affix(key: 'prefix' | 'suffix', operand: unknown, identity: string): Compiled {
  const anchor: Anchor = key === 'prefix' ? 'start' : 'end';
  if (typeof operand === 'string') return stringEntry(identity, affixMatcher(operand, anchor));
  if (isObject(operand)) {
    const keys = Object.keys(operand);
    const ignoreCase = operand['equals-ignore-case'];
    if (keys.length === 1 && typeof ignoreCase === 'string') {
      return stringEntry(identity, ignoreCaseMatcher(ignoreCase, anchor));
    }
  }
  return `"${key}" takes a string or {"equals-ignore-case": string}`;
}

function wildcard(operand: unknown, identity: string): Compiled {
  if (typeof operand !== 'string') return '"wildcard" takes a string';
  const segments = parseWildcard(operand);
  if (typeof segments === 'string') return segments;
  return stringEntry(identity, (value) => matchWildcard(segments, value), [segments]);
}

function cidr(operand: unknown, identity: string): Compiled {
  const example = '"cidr" takes an IPv4 or IPv6 CIDR block such as "10.0.0.0/24"';
  if (typeof operand !== 'string') return example;
  const range = parseCidr(operand);
  if (typeof range === 'string') return `${example}: ${range}`;
  return { ...NEVER_ABSENT, identity, test: (value) => inRange(range, value) };
}

// ---------------------------------------------------------------------------------------------
// numeric
// ---------------------------------------------------------------------------------------------

const LOWER = new Set(['>', '>=']);
const UPPER = new Set(['<', '<=']);
const OPERATORS = new Set(['=', '>', '>=', '<', '<=']);
const NUMERIC_SHAPE = '"numeric" takes [operator, number] or [">" or ">=", number, "<" or "<=", number]';

type Bound = { readonly operator: string; readonly millionths: number };

function numericBound(operator: unknown, bound: unknown): Bound | string {
  if (typeof operator !== 'string') return NUMERIC_SHAPE;
  if (!OPERATORS.has(operator)) return `unknown numeric operator ${JSON.stringify(operator)}`;
  if (typeof bound !== 'number' || !Number.isFinite(bound)) return 'numeric bounds must be finite numbers';
  const millionths = toMillionths(bound);
  return millionths === undefined ? `numeric bounds: ${NOT_COMPARABLE}` : { operator, millionths };
}

const RANGE_ORDER =
  'a numeric range must be a lower bound (">" or ">=") followed by an upper bound ("<" or "<=")';

/** `numeric`: one comparison, or a lower then an upper bound of a non-empty range. */
function numeric(operand: unknown, identity: string): Compiled {
  if (!Array.isArray(operand) || operand.length === 0) return NUMERIC_SHAPE;
  const first = numericBound(operand[0], operand[1]);
  if (typeof first === 'string') return first;
  if (operand.length === 2) return numericEntry(identity, [first]);
  if (!LOWER.has(first.operator)) return RANGE_ORDER;
  if (operand.length !== 4) return NUMERIC_SHAPE;
  const second = numericBound(operand[2], operand[3]);
  if (typeof second === 'string') return second;
  if (!UPPER.has(second.operator)) return RANGE_ORDER;
  if (first.millionths >= second.millionths) {
    return 'numeric range is empty: its lower bound must be less than its upper bound';
  }
  return numericEntry(identity, [first, second]);
}

function holds(bound: Bound, value: number): boolean {
  switch (bound.operator) {
    case '=':
      return value === bound.millionths;
    case '>':
      return value > bound.millionths;
    case '>=':
      return value >= bound.millionths;
    case '<':
      return value < bound.millionths;
    default:
      return value <= bound.millionths;
  }
}

function numericEntry(identity: string, bounds: readonly Bound[]): Entry {
  return {
    ...NEVER_ABSENT,
    identity,
    test: (value) => {
      if (typeof value !== 'number') return false;
      const millionths = toMillionths(value);
      return millionths !== undefined && bounds.every((bound) => holds(bound, millionths));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// anything-but
// ---------------------------------------------------------------------------------------------

const ANYTHING_BUT_SHAPE = '"anything-but" takes a string, a number, a list or one nested string operator';
const NESTED = new Set(['prefix', 'suffix', 'equals-ignore-case', 'wildcard']);

/** `anything-but` matches every leaf its operand would not exclude, leaves of other types included. */
function anythingBut(operand: unknown, identity: string): Compiled {
  if (typeof operand === 'string') return excluding(identity, (value) => value === operand);
  if (typeof operand === 'number') return excludingNumbers(identity, [operand]);
  if (Array.isArray(operand)) return anythingButList(operand, identity);
  if (!isObject(operand)) return ANYTHING_BUT_SHAPE;
  const keys = Object.keys(operand);
  const key = keys[0];
  if (keys.length !== 1 || key === undefined || !NESTED.has(key)) {
    return '"anything-but" only nests one of prefix, suffix, equals-ignore-case or wildcard';
  }
  const nested = operand[key];
  const texts = typeof nested === 'string' ? [nested] : nested;
  if (!Array.isArray(texts) || !texts.every((text) => typeof text === 'string')) {
    return `"anything-but" "${key}" takes a string or a list of strings`;
  }
  return nestedExclusion(key, texts as string[], identity);
}

function nestedExclusion(key: string, texts: readonly string[], identity: string): Compiled {
  if (texts.length === 0) return `"anything-but" "${key}" list must not be empty`;
  if ((key === 'prefix' || key === 'suffix') && texts.includes('')) {
    return `"anything-but" "${key}" must not be empty`;
  }
  if (key === 'wildcard') {
    const wildcards: Wildcard[] = [];
    for (const text of texts) {
      const segments = parseWildcard(text);
      if (typeof segments === 'string') return segments;
      wildcards.push(segments);
    }
    const excluded = (value: string) => wildcards.some((segments) => matchWildcard(segments, value));
    return { ...excluding(identity, excluded), wildcards };
  }
  const anchor: Anchor = key === 'prefix' ? 'start' : key === 'suffix' ? 'end' : 'whole';
  const matchers = texts.map((text) =>
    key === 'equals-ignore-case' ? ignoreCaseMatcher(text, anchor) : affixMatcher(text, anchor),
  );
  return excluding(identity, (value) => matchers.some((matcher) => matcher(value)));
}

function anythingButList(list: readonly unknown[], identity: string): Compiled {
  if (list.length === 0) return '"anything-but" list must not be empty';
  if (list.every((item) => typeof item === 'string')) {
    const excluded = new Set(list as string[]);
    return excluding(identity, (value) => excluded.has(value));
  }
  if (list.every((item) => typeof item === 'number')) return excludingNumbers(identity, list as number[]);
  return '"anything-but" list must contain only strings or only numbers';
}

function excluding(identity: string, excluded: (value: string) => boolean): Entry {
  return { ...NEVER_ABSENT, identity, test: (value) => typeof value !== 'string' || !excluded(value) };
}

function excludingNumbers(identity: string, numbers: readonly number[]): Compiled {
  const excluded = new Set<number>();
  for (const number of numbers) {
    const millionths = toMillionths(number);
    if (millionths === undefined) return `"anything-but" ${NOT_COMPARABLE}`;
    excluded.add(millionths);
  }
  return {
    ...NEVER_ABSENT,
    identity,
    test: (value) => typeof value !== 'number' || !excluded.has(toMillionths(value) ?? Number.NaN),
  };
}
