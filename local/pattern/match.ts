/**
 * Matching a compiled pattern against an event, as EventBridge does.
 *
 * The event is flattened into leaves: every scalar (string, number, boolean, null) under its
 * dot-joined path, with arrays walked through (an array matches when any element does; empty arrays
 * and objects hold no leaf). A sub-rule matches when every field finds an accepted leaf, or has no
 * leaf at all and allows `{"exists": false}`. The leaves chosen for the fields must be
 * array-consistent (event-ruler's `rulesForJSONEvent`): two leaves under different elements of the
 * same array never combine, so `{"a": {"b": [1], "c": [2]}}` does not match
 * `{"a": [{"b": 1}, {"c": 2}]}`.
 */
import type { SubRule } from './compile.ts';
import type { LeafValue } from './operators.ts';

/** A scalar of the event and where it sits: pairs of (array id, element index) from the root. */
type Leaf = { readonly value: LeafValue; readonly arrays: readonly number[] };

type Leaves = Map<string, Leaf[]>;

/** Flattens an event into its leaves by dot-joined path. */
export function flattenEvent(event: unknown): Leaves {
  const leaves: Leaves = new Map();
  const counter = { next: 0 };
  if (typeof event === 'object' && event !== null && !Array.isArray(event)) {
    for (const [key, value] of Object.entries(event)) collect(value, key, [], leaves, counter);
  }
  return leaves;
}

function collect(
  value: unknown,
  path: string,
  arrays: readonly number[],
  leaves: Leaves,
  counter: { next: number },
): void {
  if (Array.isArray(value)) {
    const id = counter.next++;
    value.forEach((element, index) => {
      collect(element, path, [...arrays, id, index], leaves, counter);
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value))
      collect(child, `${path}.${key}`, arrays, leaves, counter);
  } else if (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean'
  ) {
    const list = leaves.get(path);
    if (list === undefined) leaves.set(path, [{ value, arrays }]);
    else list.push({ value, arrays });
  }
}

/** Whether one of the sub-rules matches the flattened event. */
export function matchesSubRules(subRules: readonly SubRule[], leaves: Leaves): boolean {
  return subRules.some((subRule) => matchesSubRule(subRule, leaves));
}

function matchesSubRule(subRule: SubRule, leaves: Leaves): boolean {
  const choices: Leaf[][] = [];
  for (const field of subRule) {
    const candidates = leaves.get(field.path);
    if (candidates === undefined) {
      if (field.absentOk) continue;
      return false;
    }
    const accepted = candidates.filter((leaf) => field.accepts(leaf.value));
    if (accepted.length === 0) return false;
    if (accepted.some((leaf) => leaf.arrays.length === 0)) continue;
    choices.push(accepted);
  }
  choices.sort((a, b) => a.length - b.length);
  return consistentChoice(choices, 0, []);
}

/** Backtracks over the fields' accepted leaves for one array-consistent combination. */
function consistentChoice(choices: readonly Leaf[][], index: number, chosen: Leaf[]): boolean {
  const options = choices[index];
  if (options === undefined) return true;
  for (const leaf of options) {
    if (!chosen.every((other) => consistent(leaf.arrays, other.arrays))) continue;
    chosen.push(leaf);
    if (consistentChoice(choices, index + 1, chosen)) return true;
    chosen.pop();
  }
  return false;
}

/** Two leaves are consistent unless they sit in different elements of an array they share. */
function consistent(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i + 1 < a.length && i + 1 < b.length; i += 2) {
    if (a[i] !== b[i]) return true;
    if (a[i + 1] !== b[i + 1]) return false;
  }
  return true;
}
