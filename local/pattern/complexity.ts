/**
 * Wildcard complexity, the measure behind EventBridge's "Rule is too complex" rejection.
 *
 * EventBridge compiles the wildcards of a field into a non-deterministic byte automaton (AWS's
 * event-ruler, `MachineComplexityEvaluator`) and rejects a rule when, for some input, too many
 * wildcard states could be active at once: each active state counts the wildcard patterns still
 * reachable from it. This module rebuilds that automaton shape (a shared trie up to each pattern's
 * first `*`, separate states after it, the value's enclosing quotes included) and walks its subset
 * construction to find the worst case. EventBridge allows a complexity of at most 10 (the user
 * guide's "Wildcards and event pattern complexity": `*:*:*:*:*:event-bus/*` is too complex).
 */

/** The highest complexity EventBridge accepts for one field. */
export const MAX_WILDCARD_COMPLEXITY = 10;

/**
 * One wildcard-bearing matcher: its identity and its wildcards. Each term adds its own states after
 * its first `*` (as each sub-rule added to event-ruler's machine does, so the same wildcard in two
 * `$or` alternatives counts twice); states before it are shared, and weigh each identity once.
 */
export type WildcardTerm = { readonly identity: string; readonly wildcards: readonly (readonly string[])[] };

type State = {
  readonly literal: Map<number, number[]>;
  readonly any: number[];
  readonly weight: Set<string>;
  readonly prefix: Map<number, number>;
  star: number;
};

const ANY_OTHER_BYTE = -1;
const STAR = -2;

/**
 * The worst-case number of simultaneously reachable wildcard prefixes for the terms of one field,
 * capped just above {@link MAX_WILDCARD_COMPLEXITY} (the walk stops once the rule is rejected).
 */
export function wildcardComplexity(terms: readonly WildcardTerm[]): number {
  const states: State[] = [newState()];
  const alphabet = new Set<number>();
  const terminals = new Map<string, number>();
  for (const term of terms) {
    for (const segments of term.wildcards) {
      addWildcard(states, alphabet, terminals, term.identity, tokens(segments));
    }
  }
  if (states.length === 1) return 0;
  return worstCase(states, [ANY_OTHER_BYTE, ...alphabet]);
}

function newState(): State {
  return { literal: new Map(), any: [], weight: new Set(), prefix: new Map(), star: 0 };
}

/** The quoted UTF-8 bytes of a wildcard, with STAR for each unescaped `*`. */
function tokens(segments: readonly string[]): number[] {
  const encoder = new TextEncoder();
  const result = [0x22];
  segments.forEach((segment, i) => {
    if (i > 0) result.push(STAR);
    result.push(...encoder.encode(segment));
  });
  result.push(0x22);
  return result;
}

function link(states: State[], from: number, byte: number, to: number): void {
  const edges = states[from]?.literal;
  if (edges === undefined) return;
  edges.set(byte, [...(edges.get(byte) ?? []), to]);
}

function addWildcard(
  states: State[],
  alphabet: Set<number>,
  terminals: Map<string, number>,
  identity: string,
  bytes: readonly number[],
): void {
  let current = 0;
  let beforeStar = -1;
  let shared = true;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] ?? 0;
    const state = states[current] as State;
    let next = 0;
    if (byte === STAR) {
      if (shared && state.star !== 0) next = state.star;
      if (next === 0) {
        next = states.push(newState()) - 1;
        if (shared) state.star = next;
        state.any.push(next);
        (states[next] as State).any.push(next);
      }
      shared = false;
      beforeStar = current;
    } else {
      alphabet.add(byte);
      const known = shared ? state.prefix.get(byte) : undefined;
      const terminal = i === bytes.length - 1 && known === undefined;
      if (known !== undefined) {
        next = known;
      } else {
        // The closing quote ends in one match state per matcher, however often it is added.
        next = (terminal ? terminals.get(identity) : undefined) ?? states.push(newState()) - 1;
        if (terminal) terminals.set(identity, next);
        if (shared) state.prefix.set(byte, next);
        link(states, current, byte, next);
        if (bytes[i - 1] === STAR) link(states, beforeStar, byte, next);
      }
    }
    (states[next] as State).weight.add(identity);
    current = next;
  }
}

function worstCase(states: readonly State[], alphabet: readonly number[]): number {
  const seen = new Set<string>();
  const pending: number[][] = [[0]];
  let worst = 0;
  while (pending.length > 0) {
    const active = pending.pop() as number[];
    for (const byte of alphabet) {
      const next = new Set<number>();
      for (const id of active) {
        const state = states[id] as State;
        for (const target of state.any) next.add(target);
        if (byte !== ANY_OTHER_BYTE) for (const target of state.literal.get(byte) ?? []) next.add(target);
      }
      if (next.size === 0) continue;
      const score = complexityOf(states, next);
      if (score > MAX_WILDCARD_COMPLEXITY) return score;
      worst = Math.max(worst, score);
      const key = [...next].sort((a, b) => a - b).join(',');
      if (!seen.has(key)) {
        seen.add(key);
        pending.push([...next]);
      }
    }
  }
  return worst;
}

function complexityOf(states: readonly State[], active: ReadonlySet<number>): number {
  let score = 0;
  for (const id of active) {
    const state = states[id] as State;
    score += state.weight.size;
    for (const star of state.any) if (!active.has(star)) score += (states[star] as State).weight.size;
  }
  return score;
}
