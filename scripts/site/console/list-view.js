// The ranked list (GET /v1/leads): segment, grade, owner and minimum-score filters, kept in the
// address (#/?segment=hot), and the API's cursor for the next page.
import { api } from './api.js';
import { cell, el, link, say, score, segmentBadge, timeEl } from './dom.js';

const PAGE_SIZE = 25;
const FILTERS = ['segment', 'grade', 'owner', 'minScore'];
let current = { query: '', nextCursor: null, rank: 0 };
let optionsLoaded = false;

const $ = (id) => document.getElementById(id);

/** The filter values of the address, for GET /v1/leads. */
function queryOf(params) {
  const query = new URLSearchParams();
  for (const name of FILTERS) {
    const value = params.get(name);
    if (value) query.set(name, value);
  }
  return query;
}

/** Fills the filter menus once, from what the API says each filter takes. */
function loadOptions(filters) {
  if (optionsLoaded || !filters) return;
  optionsLoaded = true;
  for (const segment of filters.segments ?? []) $('segment').append(new Option(segment, segment));
  for (const grade of filters.grades ?? []) $('grade').append(new Option(grade, grade));
  for (const owner of filters.owners ?? [])
    $('owner').append(new Option(`${owner.name} (${owner.email})`, owner.email));
}

function showFilterValues(params) {
  for (const [id, name] of [
    ['segment', 'segment'],
    ['grade', 'grade'],
    ['owner', 'owner'],
    ['min-score', 'minScore'],
  ]) {
    const control = $(id);
    const value = params.get(name) ?? '';
    if (control.tagName === 'SELECT' && value && ![...control.options].some((o) => o.value === value)) {
      control.append(new Option(value, value));
    }
    control.value = value;
  }
}

function leadRow(lead) {
  current.rank += 1;
  const row = el('tr');
  const who = el('div', undefined, 'who');
  who.append(
    link(lead.name || lead.email || lead.leadId, `#/lead/${encodeURIComponent(lead.leadId)}`, 'name'),
  );
  const sub = [lead.email && lead.name ? lead.email : null, lead.company].filter(Boolean).join(' · ');
  if (sub) who.append(el('span', sub, 'sub'));
  row.append(
    cell('#', current.rank, 'rank'),
    cell('Lead', who, 'lead'),
    cell('Score', score(lead.score), 'num score'),
    cell('Segment', segmentBadge(lead.segment)),
    cell('Grade', lead.grade),
    cell('Lifecycle', lead.lifecycle),
    cell('Owner', lead.owner?.name ?? 'unassigned'),
    cell('Last activity', timeEl(lead.lastEventAt, 'relative')),
    cell('Top reason', lead.topReasons?.[0] ?? '—', 'reason'),
  );
  return row;
}

async function loadPage(append) {
  const query = new URLSearchParams(current.query);
  query.set('limit', String(PAGE_SIZE));
  if (append && current.nextCursor) query.set('cursor', current.nextCursor);
  say('Loading leads…');
  const { body } = await api(`/v1/leads?${query}`);
  loadOptions(body.filters);
  if (!append) {
    $('lead-rows').replaceChildren();
    current.rank = 0;
  }
  for (const lead of body.items ?? []) $('lead-rows').append(leadRow(lead));
  current.nextCursor = body.nextCursor ?? null;
  $('load-more').hidden = current.nextCursor === null;
  const filtered = current.query !== '';
  const count = `${current.rank} lead${current.rank === 1 ? '' : 's'}`;
  $('list-summary').textContent =
    current.rank === 0
      ? filtered
        ? 'No lead matches these filters.'
        : 'No leads yet: submit the demo form or post events first.'
      : `${count} shown${current.nextCursor ? ', more below' : ''}, highest score first${filtered ? ' (filtered)' : ''}.`;
  say('');
}

/** Shows the list for the filters in the address. */
export async function showList(params) {
  current = { query: queryOf(params).toString(), nextCursor: null, rank: 0 };
  showFilterValues(params);
  await loadPage(false);
}

/** Wires the filter form (it changes the address, which shows the list) and the next page. */
export function initList(onError) {
  $('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [id, name] of [
      ['segment', 'segment'],
      ['grade', 'grade'],
      ['owner', 'owner'],
      ['min-score', 'minScore'],
    ]) {
      const value = $(id).value.trim();
      if (value) params.set(name, value);
    }
    const hash = `#/${params.size > 0 ? `?${params}` : ''}`;
    if (location.hash === hash) showList(params).catch(onError);
    else location.hash = hash;
  });
  $('load-more').addEventListener('click', () => loadPage(true).catch(onError));
}
