import type { Condition } from '#shared/config/conditions.ts';
import { builtInList } from './lists.ts';

/** A record of fields: a lead profile or an event's attributes. */
export type Fields = Readonly<Record<string, unknown>>;
export type Predicate = (fields: Fields) => boolean;

const isBlank = (value: unknown): boolean =>
  value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

const asNumber = (value: unknown): number | undefined => {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value.replace(/[,_\s]/g, ''));
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
};

let lastText: string | undefined;
let lastLower = '';
/**
 * `text.toLowerCase()`, remembering the last answer: the rules of one event type test the same
 * field one after the other (a page view's URL against every page rule), so a replay of a
 * million events would otherwise lower-case each URL once per rule.
 */
const lowerCased = (text: string): string => {
  if (text !== lastText) {
    lastText = text;
    lastLower = text.toLowerCase();
  }
  return lastLower;
};

const normalise = (value: unknown, ignoreCase: boolean): unknown =>
  typeof value === 'string' ? (ignoreCase ? value.trim().toLowerCase() : value.trim()) : value;

/**
 * Compiles a condition once (regexes built, lists resolved to sets) into a predicate, so that
 * evaluating a rule on the hot path allocates nothing.
 */
export function compileCondition(condition: Condition, lists: Readonly<Record<string, string[]>>): Predicate {
  const { field } = condition;
  switch (condition.op) {
    case 'equals': {
      const expected = normalise(condition.value, condition.ignoreCase);
      return (f) => {
        const v = f[field];
        if (typeof expected === 'number') return asNumber(v) === expected;
        if (typeof expected === 'boolean') return v === expected || v === String(expected);
        return normalise(v, condition.ignoreCase) === expected;
      };
    }
    case 'oneOf': {
      const allowed = new Set(
        condition.values.map((v) => normalise(typeof v === 'number' ? v : String(v), condition.ignoreCase)),
      );
      return (f) => {
        const v = f[field];
        if (typeof v === 'number') return allowed.has(v) || allowed.has(String(v));
        return allowed.has(normalise(typeof v === 'boolean' ? String(v) : v, condition.ignoreCase));
      };
    }
    case 'range': {
      const min = condition.min ?? Number.NEGATIVE_INFINITY;
      const max = condition.max ?? Number.POSITIVE_INFINITY;
      return (f) => {
        const n = asNumber(f[field]);
        return n !== undefined && n >= min && n <= max;
      };
    }
    case 'contains': {
      const needle = condition.value.toLowerCase();
      return (f) => {
        const v = f[field];
        return typeof v === 'string' && lowerCased(v).includes(needle);
      };
    }
    case 'regex': {
      const re = new RegExp(condition.pattern, condition.flags);
      return (f) => {
        const v = f[field];
        return (typeof v === 'string' || typeof v === 'number') && re.test(String(v));
      };
    }
    case 'missing':
      return (f) => isBlank(f[field]);
    case 'present':
      return (f) => !isBlank(f[field]);
    case 'inList': {
      const set =
        builtInList(condition.list) ?? new Set((lists[condition.list] ?? []).map((v) => v.toLowerCase()));
      return (f) => {
        const v = f[field];
        return typeof v === 'string' && set.has(v.trim().toLowerCase());
      };
    }
  }
}

/** All conditions hold (AND); no conditions always holds. */
export function compileConditions(
  conditions: readonly Condition[],
  lists: Readonly<Record<string, string[]>>,
): Predicate {
  const predicates = conditions.map((c) => compileCondition(c, lists));
  if (predicates.length === 0) return () => true;
  if (predicates.length === 1) return predicates[0]!;
  return (f) => predicates.every((p) => p(f));
}
