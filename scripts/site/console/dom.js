// DOM and formatting helpers of the sales console. Data is only ever written with textContent
// (or as attribute values), never parsed as HTML.

/** An element with optional text (set as textContent) and class. */
export function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

/** A table cell labelled for the narrow-screen card layout (the label is the column's name). */
export function cell(label, content, className) {
  const td = el('td', undefined, className);
  td.dataset.label = label;
  if (content instanceof Node) td.append(content);
  else if (content !== undefined && content !== null) td.textContent = String(content);
  return td;
}

/** A link inside the console (hash routes). */
export function link(text, hash, className) {
  const a = el('a', text, className);
  a.href = hash;
  return a;
}

const MINUS = '\u2212';

/** Points as sales read them: one decimal, a sign, a real minus. */
export function signed(points) {
  if (typeof points !== 'number' || Number.isNaN(points)) return '—';
  const shown = Math.round(points * 10) / 10;
  if (shown === 0) return '0';
  return shown > 0 ? `+${shown}` : `${MINUS}${Math.abs(shown)}`;
}

/** A score: one decimal, a real minus. */
export function score(value) {
  if (typeof value !== 'number') return '—';
  const shown = Math.round(value * 10) / 10;
  return shown < 0 ? `${MINUS}${Math.abs(shown)}` : String(shown);
}

/** Points that take the negative style below zero. */
export function pointsSpan(value, format = signed) {
  const span = el('span', format(value), 'points');
  if (typeof value === 'number' && Math.round(value * 10) < 0) span.classList.add('negative');
  return span;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** A <time> with the local date and time, the exact instant in its datetime attribute. */
export function timeEl(iso, style = 'absolute', now = Date.now()) {
  if (!iso) return el('span', '—');
  const at = Date.parse(iso);
  const node = el('time', style === 'relative' ? ago(at, now) : dateTime.format(at));
  node.dateTime = iso;
  node.title = dateTime.format(at);
  return node;
}

/** "3 days ago", "in 2 hours". */
export function ago(at, now = Date.now()) {
  const seconds = (at - now) / 1000;
  const units = [
    ['year', 31_536_000],
    ['month', 2_592_000],
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
  ];
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return relative.format(Math.round(seconds), 'second');
}

/** A badge naming a segment (its class styles the known names; any name is shown as text). */
export function segmentBadge(segment) {
  const badge = el('span', segment ?? '—', 'badge');
  if (segment) badge.dataset.segment = segment;
  return badge;
}

/** Shows a message in the status line (an error in the error style). */
export function say(text, isError = false) {
  const status = document.getElementById('status');
  status.textContent = text;
  status.classList.toggle('error', isError);
}

/** A description list's term and value. */
export function fact(list, term, value) {
  const dt = el('dt', term);
  const dd = el('dd');
  if (value instanceof Node) dd.append(value);
  else dd.textContent = value === undefined || value === null || value === '' ? '—' : String(value);
  list.append(dt, dd);
}
