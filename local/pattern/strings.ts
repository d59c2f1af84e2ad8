/**
 * The string operators' building blocks: wildcards and EventBridge's case-insensitive comparison.
 */

/** A parsed wildcard: its literal segments between unescaped `*`. */
export type Wildcard = readonly string[];

/**
 * Splits a wildcard at its unescaped `*` (`\*` is a literal star, `\\` a literal backslash), or
 * returns why EventBridge rejects it: two `*` in a row, or a backslash escaping anything else.
 */
export function parseWildcard(text: string): Wildcard | string {
  const segments: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '*') {
      if (text[i + 1] === '*') return `consecutive wildcard characters at pos ${i + 1}`;
      segments.push(current);
      current = '';
    } else if (char === '\\') {
      const next = text[i + 1];
      if (next !== '*' && next !== '\\')
        return `a backslash may only escape "*" or "\\" (invalid escape character at pos ${i + 1})`;
      current += next;
      i++;
    } else {
      current += char;
    }
  }
  segments.push(current);
  return segments;
}

/** Glob match with `*` only: the first segment anchors the start, the last the end, the rest in order. */
export function matchWildcard(segments: Wildcard, value: string): boolean {
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

/** Where a case-insensitive text must sit in the value. */
export type Anchor = 'whole' | 'start' | 'end';

/**
 * A case-insensitive matcher as EventBridge builds it: each character of the pattern matches its
 * lower-case or its upper-case form (Unicode, locale-independent), so "straße" matches "STRASSE"
 * and "İ" matches "i̇". Not full case folding: "ß" does not match "ss". Characters outside the
 * Basic Multilingual Plane (emoji) become "?" there, so "a😀" matches "A??" and not "A😀".
 */
export function ignoreCaseMatcher(text: string, anchor: Anchor): (value: string) => boolean {
  let source = '';
  for (const char of text.split('')) {
    if (isSurrogate(char)) {
      // event-ruler case-maps each UTF-16 unit alone; half a surrogate pair encodes as "?".
      source += '\\?';
      continue;
    }
    const lower = char.toLowerCase();
    const upper = char.toUpperCase();
    source += lower === upper ? escapeRegExp(lower) : `(?:${escapeRegExp(lower)}|${escapeRegExp(upper)})`;
  }
  const expression = new RegExp(
    anchor === 'whole' ? `^${source}$` : anchor === 'start' ? `^${source}` : `${source}$`,
  );
  return (value) => expression.test(value);
}

function isSurrogate(char: string): boolean {
  const code = char.charCodeAt(0);
  return code >= 0xd800 && code <= 0xdfff;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
