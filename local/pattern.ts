/**
 * EventBridge-compatible event pattern matching.
 *
 * The local event bus routes events with the same patterns the CDK stack deploys as EventBridge
 * rules, and CDK tests check that those rule patterns accept the events we publish. Both need one
 * matcher whose semantics follow the EventBridge documentation ("Event patterns" and "Content
 * filtering in Amazon EventBridge event patterns"); no npm package provides one.
 *
 * A pattern is compiled once (cached per pattern object, so treat patterns as immutable) into the
 * flat sub-rules EventBridge matches (`pattern/compile.ts`), checked as PutRule checks it
 * (operands, `$or` rules, size, `$or` combinations, wildcard complexity), and matched against the
 * event's flattened leaves with EventBridge's array consistency (`pattern/match.ts`). Invalid
 * patterns never throw; they simply fail to match. Use {@link validatePattern} to reject them up
 * front. The conformance table `test/unit/pattern-conformance.test.ts` holds the cases, each citing
 * the user guide page or event-ruler test its answer comes from.
 *
 * Known deviations: an exact-match number beyond EventBridge's comparable range (±5.0e9, six
 * decimals) is compared by value here and by its JSON text there (`123456789012` vs
 * `1.23456789012e11`: this matcher sees parsed values); a number is never inside a `cidr` range
 * (event-ruler's byte machine may compare its text with the range); the wildcard complexity of one
 * wildcard repeated across `$or` alternatives is approximated (exact for a single sub-rule).
 */
import { type CompiledPattern, compilePattern } from './pattern/compile.ts';
import { matchesSubRules } from './pattern/match.ts';

/** A JSON scalar: what an exact-match pattern value or an event leaf value can be. */
export type PatternScalar = string | number | boolean | null;

/** Comparison operators accepted by `numeric`. */
export type NumericOperator = '=' | '>' | '>=' | '<' | '<=';

/** `{"equals-ignore-case": ...}`, the form `prefix` and `suffix` take to ignore case. */
export type IgnoreCase = { readonly 'equals-ignore-case': string };

/** The nested operators `anything-but` accepts instead of a value or a list of values. */
export type AnythingButOperator =
  | { readonly prefix: string | readonly string[] }
  | { readonly suffix: string | readonly string[] }
  | { readonly wildcard: string | readonly string[] }
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
  | { readonly cidr: string }
  | { readonly exactly: string };

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

const compiled = new WeakMap<object, CompiledPattern>();

const compiledTexts = new Map<string, CompiledPattern>();

/** A pattern given as JSON text, as PutRule takes it (a bounded cache: rules are few). */
function compiledText(text: string): CompiledPattern {
  let result = compiledTexts.get(text);
  if (result === undefined) {
    try {
      result = compilePattern(JSON.parse(text), text.length);
    } catch (error) {
      result = { subRules: [], problems: [`pattern: is not valid JSON (${(error as Error).message})`] };
    }
    if (compiledTexts.size >= 256) compiledTexts.clear();
    compiledTexts.set(text, result);
  }
  return result;
}

function compiledFor(pattern: unknown): CompiledPattern {
  if (typeof pattern === 'string') return compiledText(pattern);
  if (typeof pattern !== 'object' || pattern === null) return compilePattern(pattern);
  let result = compiled.get(pattern);
  if (result === undefined) {
    result = compilePattern(pattern);
    compiled.set(pattern, result);
  }
  return result;
}

/**
 * Tells whether `event` matches `pattern` the way an EventBridge rule would.
 *
 * Why: the local bus and the CDK rule tests must agree with the deployed rules, so this follows
 * EventBridge: fields absent from the pattern are ignored; every pattern field must match (AND), any
 * entry of a value list may match (OR); an array in the event matches if any element does, fields
 * matched inside an array of objects must come from the same element; a key holding a dot is the
 * same field as the nested keys (`"a.b"` is `{"a": {"b"}}`, in patterns and events); literals match
 * type-exactly (`"5"` never matches `5`) and numbers by value (`300` matches `3.0e2`); a string that
 * is an IP address matches that address however it is written; `exists` only sees leaf values, so a
 * field holding an object or an empty array counts as absent and one holding `null` as present.
 *
 * Never throws: a pattern EventBridge would reject matches nothing. The pattern may also be given
 * as its JSON text, as PutRule takes it.
 */
export function matchesPattern(pattern: EventPattern | string, event: unknown): boolean {
  const { subRules, problems } = compiledFor(pattern);
  return problems.length === 0 && matchesSubRules(subRules, event);
}

/**
 * Lists what is wrong with a pattern, as human-readable messages prefixed with the offending path
 * (e.g. `detail.state[0]: unknown operator "contains"`). An empty list means EventBridge's PutRule
 * accepts it.
 *
 * Why: {@link matchesPattern} silently fails to match a malformed pattern, exactly as a typo in a
 * deployed rule silently drops events, and a pattern EventBridge rejects fails the deploy. The
 * local bus and tests call this to catch such patterns early. Accepts `unknown` so it can check
 * patterns read from JSON or YAML before they are typed, or the JSON text of a rule.
 */
export function validatePattern(pattern: unknown): string[] {
  return [...compiledFor(pattern).problems];
}
