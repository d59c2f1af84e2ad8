import type { BusEnvelope } from '#shared/events/contracts.ts';
import type { InputTransformer } from './template.ts';

/**
 * EventBridge's input transformer, applied in-process: what the local bus sends to an API
 * destination and what `notify-webhook` signs, from the very `InputPathsMap` + `InputTemplate`
 * the deployed rule target carries. It follows the EventBridge user guide ("Amazon EventBridge
 * input transformation", its examples and "Common issues with transforming input"):
 *
 * - a template that is not a JSON object or array is text: every value is written as it is;
 * - input paths are JSONPath in dot notation with array indices (`$.detail.topReasons[0]`);
 *   `$` alone is the whole event;
 * - in a JSON template, a placeholder outside a JSON string (`{"score": <score>}`) gets the value's JSON text: a
 *   string is quoted, a number, boolean, object or array written as JSON;
 * - a placeholder inside a JSON string (`"score <score>"`) gets a string's characters as they
 *   are (EventBridge does not escape them), a scalar's JSON text, and an object or array's JSON
 *   text with its inner quotes removed (so that the string stays valid);
 * - a path that matches nothing defines no variable: its placeholder is replaced by nothing;
 * - the predefined `aws.events.rule-arn`, `aws.events.rule-name`,
 *   `aws.events.event.ingestion-time` and `aws.events.event.json` (the whole event, as JSON)
 *   need no input path.
 */

/** What the transformer knows about the rule that matched, for the predefined variables. */
export interface RuleContext {
  readonly ruleName: string;
  readonly ruleArn: string;
}

const PLACEHOLDER = /<([A-Za-z0-9_.-]+)>/g;
const SEGMENT = /([^.[\]]+)|\[(\d+)\]/g;

/** Evaluates a dot-notation JSONPath (`$.detail.owner.email`, `$.a[0]`); undefined when absent. */
export function evaluateJsonPath(event: unknown, path: string): unknown {
  if (path === '$') return event;
  if (!path.startsWith('$.') && !path.startsWith('$[')) return undefined;
  let value: unknown = event;
  for (const match of path.slice(1).matchAll(SEGMENT)) {
    if (value === null || typeof value !== 'object') return undefined;
    const key = match[1] ?? Number(match[2]);
    value = (value as Record<string | number, unknown>)[key];
    if (value === undefined) return undefined;
  }
  return value;
}

/** The positions of the template that lie inside JSON string literals (quotes excluded). */
function insideStrings(template: string): (index: number) => boolean {
  const ranges: [number, number][] = [];
  let start = -1;
  for (let i = 0; i < template.length; i++) {
    const char = template[i];
    if (start >= 0 && char === '\\') {
      i++;
      continue;
    }
    if (char !== '"') continue;
    if (start < 0) start = i;
    else {
      ranges.push([start, i]);
      start = -1;
    }
  }
  return (index) => ranges.some(([from, to]) => index > from && index < to);
}

function unquoted(value: unknown): string {
  return JSON.stringify(value) ?? '';
}

function quoted(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') return JSON.stringify(value).replaceAll('"', '');
  return JSON.stringify(value) ?? '';
}

/** Applies an input transformer to an event, as EventBridge does before invoking the target. */
export function applyInputTransformer(
  transformer: InputTransformer,
  event: BusEnvelope,
  rule: RuleContext,
  ingestionTime: Date = new Date(event.time),
): string {
  const values = new Map<string, unknown>();
  for (const [name, path] of Object.entries(transformer.inputPathsMap)) {
    const value = evaluateJsonPath(event, path);
    if (value !== undefined) values.set(name, value);
  }
  values.set('aws.events.rule-name', rule.ruleName);
  values.set('aws.events.rule-arn', rule.ruleArn);
  values.set('aws.events.event.ingestion-time', ingestionTime.toISOString());
  // A text template (not a JSON object or array) gets every value as raw text.
  const isJson = /^\s*[[{]/.test(transformer.inputTemplate);
  const inString = isJson ? insideStrings(transformer.inputTemplate) : () => true;
  return transformer.inputTemplate.replace(PLACEHOLDER, (whole, name: string, offset: number) => {
    if (name === 'aws.events.event.json') return JSON.stringify(event);
    if (!values.has(name)) return transformer.inputPathsMap[name] === undefined ? whole : '';
    const value = values.get(name);
    return inString(offset) ? quoted(value) : unquoted(value);
  });
}
