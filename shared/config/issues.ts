import type { z } from 'zod';

/**
 * How a validation problem is named to whoever sent the input: the field's path and zod's
 * message. Kept apart from the config schema so that code reporting a request's or an event's
 * issues does not build the whole client-config schema when it is loaded.
 */

/** Formats a zod path as `model.engagement.rules[3].points`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    const name = String(key);
    return out === '' ? name : `${out}.${name}`;
  }, '');
}

/** Every zod issue as `path: message`: field errors in document order, then cross-field ones. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${formatPath(issue.path) || '(root)'}: ${issue.message}`);
}
