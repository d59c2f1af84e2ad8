/**
 * Matching a compiled pattern against an event, as EventBridge does.
 *
 * The event is flattened into leaves: every scalar (string, number, boolean, null) under its
 * dot-joined path, with arrays walked through (an array matches when any element does; empty arrays
 * and objects hold no leaf). A sub-rule matches when every field finds an accepted leaf, or has no
 * leaf and allows `{"exists": false}`. The leaves chosen must be array-consistent (event-ruler's
 * `rulesForJSONEvent`): two leaves under different elements of the same array never combine, so
 * `{"a": {"b": [1], "c": [2]}}` does not match `{"a": [{"b": 1}, {"c": 2}]}`.
 *
 * `exists: false` follows event-ruler's walk of the fields in path order: a field is absent when
 * no leaf of it is consistent with the leaves chosen for the fields before it. So
 * `{"o": {"a": [1], "b": [{"exists": false}]}}` matches `{"o": [{"a": 1}, {"b": 2}]}` (no `b`
 * beside that `a`), while `{"o": {"b": [{"exists": false}], "c": [1]}}` does not match
 * `{"o": [{"c": 1}, {"b": 2}]}` (`b` comes first, and is present).
 */
import type { Field, SubRule } from './compile.ts';
import type { LeafValue } from './operators.ts';

/** A scalar of the event and where it sits: pairs of (array id, element index) from the root. */
type Leaf = { readonly value: LeafValue; readonly arrays: readonly number[] };

type Leaves = Map<string, Leaf[]>;

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLeaf(value: unknown): value is LeafValue {
  return (
    value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
  );
}

/** Flattens an event into its leaves by dot-joined path. */
function flattenEvent(event: unknown): Leaves {
  const leaves: Leaves = new Map();
  const counter = { next: 0 };
  if (isObject(event)) {
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
  } else if (isObject(value)) {
    for (const [key, child] of Object.entries(value))
      collect(child, `${path}.${key}`, arrays, leaves, counter);
  } else if (isLeaf(value)) {
    const list = leaves.get(path);
    if (list === undefined) leaves.set(path, [{ value, arrays }]);
    else list.push({ value, arrays });
  }
}

/** Whether one of the sub-rules matches the event. */
export function matchesSubRules(subRules: readonly SubRule[], event: unknown): boolean {
  const leaves = flattenEvent(event);
  return subRules.some((subRule) => matchesSubRule(subRule, leaves, event));
}

/** A field whose answer depends on the leaves chosen for the others. */
type Open = {
  readonly field: Field;
  /** Its accepted leaves (none for a field that can only be absent). */
  readonly accepted: readonly Leaf[];
  /** Whether it may instead be absent: no leaf of it consistent with the leaves chosen before it. */
  readonly absentOk: boolean;
};

function matchesSubRule(subRule: SubRule, leaves: Leaves, event: unknown): boolean {
  const fields = [...subRule].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const open: Open[] = [];
  const judgesAbsence = fields.some((field) => field.absentOk && leaves.has(field.path));
  for (const field of fields) {
    const candidates = leaves.get(field.path);
    if (candidates === undefined) {
      if (field.absentOk) continue;
      return false;
    }
    const accepted = candidates.filter((leaf) => field.accepts(leaf.value));
    if (accepted.length === 0 && !field.absentOk) return false;
    // Without absences to judge, a leaf outside every array combines with any other choice.
    if (!judgesAbsence && accepted.some((leaf) => leaf.arrays.length === 0)) continue;
    open.push({ field, accepted, absentOk: field.absentOk });
  }
  if (open.length === 0) return true;
  if (!judgesAbsence) return consistentLeavesExist(open, event);
  return chooseInOrder(open, 0, [], leaves);
}

/**
 * Without absences to judge, whether consistent leaves exist for all open fields, in one walk of
 * the event: the sets of fields each part of it can satisfy together (an object combines its keys'
 * sets, an array offers each element's sets but never mixes two), whatever the arrays' size.
 */
function consistentLeavesExist(open: readonly Open[], event: unknown): boolean {
  if (open.length === 1) return true;
  const fields = open.map((entry) => entry.field);
  const all = (1n << BigInt(fields.length)) - 1n;
  return satisfiable(event, '', fields).has(all);
}

function satisfiable(value: unknown, path: string, fields: readonly Field[]): Set<bigint> {
  if (Array.isArray(value)) {
    const union = new Set<bigint>([0n]);
    for (const element of value) for (const mask of satisfiable(element, path, fields)) union.add(mask);
    return union;
  }
  if (isObject(value)) {
    let combined = new Set<bigint>([0n]);
    for (const [key, child] of Object.entries(value)) {
      const childPath = path === '' ? key : `${path}.${key}`;
      if (!fields.some((field) => field.path === childPath || field.path.startsWith(`${childPath}.`)))
        continue;
      const masks = satisfiable(child, childPath, fields);
      if (masks.size === 1) continue;
      const next = new Set<bigint>();
      for (const a of combined) for (const b of masks) next.add(a | b);
      combined = next;
    }
    return combined;
  }
  const masks = new Set<bigint>([0n]);
  if (isLeaf(value)) {
    fields.forEach((field, i) => {
      if (field.path === path && field.accepts(value)) masks.add(1n << BigInt(i));
    });
  }
  return masks;
}

/** With absences to judge: the fields in path order, each a consistent leaf or, if allowed, absent. */
function chooseInOrder(open: readonly Open[], index: number, chosen: Leaf[], leaves: Leaves): boolean {
  const entry = open[index];
  if (entry === undefined) return true;
  for (const leaf of entry.accepted) {
    if (!chosen.every((other) => consistent(leaf.arrays, other.arrays))) continue;
    chosen.push(leaf);
    if (chooseInOrder(open, index + 1, chosen, leaves)) return true;
    chosen.pop();
  }
  if (!entry.absentOk) return false;
  const present = (leaves.get(entry.field.path) ?? []).some((leaf) =>
    chosen.every((other) => consistent(leaf.arrays, other.arrays)),
  );
  return !present && chooseInOrder(open, index + 1, chosen, leaves);
}

/** Two leaves are consistent unless they sit in different elements of an array they share. */
function consistent(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i + 1 < a.length && i + 1 < b.length; i += 2) {
    if (a[i] !== b[i]) return true;
    if (a[i + 1] !== b[i + 1]) return false;
  }
  return true;
}
