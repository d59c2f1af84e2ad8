// One lead (GET /v1/leads/{leadId} and its /history): facts, the engine's score chart, the
// per-rule explanation (awarded, decay and now for each rule, negatives shown), the activity
// timeline, the outcome buttons (POST /v1/leads/{leadId}/outcome) and the link to its account.
import { api } from './api.js';
import { el, fact, link, pointsSpan, say, score, segmentBadge, signed, timeEl } from './dom.js';
import { drawScoreChart } from './score-chart.js';

const $ = (id) => document.getElementById(id);
let shownLeadId;

const KIND_LABELS = {
  floor: 'Engagement floor at 0',
  multiplier: 'Source multiplier',
  predictive: 'Predictive model',
};

/** One explanation line as a row: the numbers from its fields, never its text twice. */
function explanationRow(line) {
  const row = el('tr');
  const rule = el('th');
  rule.scope = 'row';
  rule.append(el('span', line.ruleId ?? KIND_LABELS[line.kind] ?? line.kind, 'rule'));
  if (line.kind === 'engagement') {
    const details = [`${line.count}×`];
    if (line.bonus > 0) details.push(`incl. ${signed(line.bonus)} repeat bonus`);
    if (line.capped > 0) details.push(`${score(line.capped)} not counted (caps, resubmissions)`);
    rule.append(el('span', details.join(', '), 'sub'));
  } else if (!line.ruleId && line.text) {
    rule.append(el('span', line.text, 'sub'));
  }
  const label = (text) => {
    const td = el('td', undefined, 'num');
    td.dataset.label = text;
    return td;
  };
  const awarded = label('Awarded');
  const decay = label('Decay');
  const now = label('Now');
  const given = line.kind === 'engagement' ? line.awarded : line.points;
  awarded.append(pointsSpan(given));
  if (line.kind === 'engagement') decay.append(pointsSpan(line.points - line.awarded));
  else decay.textContent = '—';
  now.append(pointsSpan(line.points));
  const kind = el('td', line.kind);
  kind.dataset.label = 'Kind';
  row.append(rule, kind, awarded, decay, now);
  return row;
}

function showExplanation(lead) {
  const explanation = lead.explanation ?? { lines: [] };
  $('explain-rows').replaceChildren(...explanation.lines.map(explanationRow));
  $('explain-total').replaceChildren(el('strong', score(explanation.total)));
  const notes = [];
  if (lead.disqualified)
    notes.push(el('li', `Disqualified: ${lead.disqualified.reason} (${lead.disqualified.ruleId})`, 'warn'));
  for (const track of explanation.fastTrack ?? []) notes.push(el('li', track.text));
  const asOf = el('li');
  asOf.append(`Scored as of `, timeEl(explanation.at), ` by model ${explanation.modelVersion}.`);
  notes.push(asOf);
  $('explain-notes').replaceChildren(...notes);
}

function attributesText(attributes) {
  const parts = Object.entries(attributes ?? {})
    .filter(([, value]) => value !== null && typeof value !== 'object')
    .map(([key, value]) => `${key}: ${value}`);
  const text = parts.join(' · ');
  return text.length > 140 ? `${text.slice(0, 139)}…` : text;
}

function timelineItem(marker) {
  const item = el('li', undefined, marker.spam ? 'spam' : '');
  const head = el('div', undefined, 'head');
  head.append(el('strong', marker.type), ' ', timeEl(marker.at));
  item.append(head);
  const detail = attributesText(marker.attributes);
  if (detail) item.append(el('div', detail, 'sub'));
  if (marker.spam) item.append(el('div', 'Marked as spam: scored nothing.', 'sub'));
  const rules = el('div', undefined, 'chips');
  for (const rule of marker.rules) {
    const chip = el('span', undefined, 'chip');
    chip.append(pointsSpan(rule.points), ` ${rule.ruleId}`);
    rules.append(chip);
  }
  if (Math.abs(marker.profilePoints) >= 0.05) {
    const chip = el('span', undefined, 'chip');
    chip.append(pointsSpan(marker.profilePoints), ' profile (fit and source rules)');
    rules.append(chip);
  }
  if (rules.childElementCount > 0) item.append(rules);
  const moves = [`score ${score(marker.scoreBefore)} → ${score(marker.scoreAfter)}`];
  if (marker.decayedSincePrevious > 0.05)
    moves.push(`${signed(-marker.decayedSincePrevious)} decay since the previous event`);
  if (marker.crossed.length > 0) moves.push(`crossed ${marker.crossed.join(', ')}`);
  item.append(el('div', moves.join(' · '), 'sub'));
  return item;
}

function showOutcomes(lead) {
  const items = (lead.outcomes ?? []).map((o) => {
    const li = el('li');
    li.append(
      el('strong', o.kind),
      ' ',
      timeEl(o.at),
      ` · score then ${score(o.score)} (${o.segment}, ${o.grade})`,
    );
    if (o.reason) li.append(el('div', o.reason, 'sub'));
    return li;
  });
  $('outcome-list').replaceChildren(...items);
}

function showFacts(lead) {
  $('lead-title').textContent = lead.name || lead.email || lead.leadId;
  const facts = $('lead-facts');
  facts.replaceChildren();
  const big = el('span', score(lead.score), 'big-score');
  fact(facts, 'Score', big);
  fact(facts, 'Segment', segmentBadge(lead.segment));
  fact(facts, 'Grade', lead.grade);
  fact(facts, 'Lifecycle', lead.lifecycle);
  fact(facts, 'Owner', lead.owner ? `${lead.owner.name} (${lead.owner.email})` : 'unassigned');
  fact(facts, 'Email', lead.email);
  fact(facts, 'Company', lead.company ?? lead.profile?.company);
  fact(facts, 'Job title', lead.profile?.jobTitle);
  fact(facts, 'Fit / engagement', `${score(lead.fitScore)} / ${score(lead.engagementScore)}`);
  fact(facts, 'Last activity', timeEl(lead.lastEventAt, 'relative'));
  const account = $('lead-account');
  account.replaceChildren();
  if (lead.account) {
    account.append(link(lead.account.domain, `#/account/${encodeURIComponent(lead.account.domain)}`));
    account.append(
      ` · account score ${score(lead.account.score)} (${lead.account.segment}), ${lead.account.leads} lead${lead.account.leads === 1 ? '' : 's'}`,
    );
  } else account.textContent = 'No account (a personal or disposable email domain, or none).';
}

/** Shows one lead, its chart and its timeline. */
export async function showLead(leadId) {
  say('Loading the lead…');
  shownLeadId = leadId;
  $('outcome-result').textContent = '';
  const id = encodeURIComponent(leadId);
  const [{ body: lead }, { body: history }] = await Promise.all([
    api(`/v1/leads/${id}`),
    api(`/v1/leads/${id}/history`),
  ]);
  showFacts(lead);
  showExplanation(lead);
  showOutcomes(lead);
  $('timeline').replaceChildren(...[...history.markers].reverse().map(timelineItem));
  const omitted = $('timeline-omitted');
  omitted.hidden = !(history.markersOmitted > 0);
  omitted.textContent = omitted.hidden
    ? ''
    : `${history.markersOmitted} older events are not listed; the chart includes them.`;
  say('');
  drawScoreChart($('score-chart'), history);
}

async function recordOutcome(kind, onError) {
  const reason = $('outcome-reason').value.trim();
  const result = $('outcome-result');
  result.classList.remove('error');
  result.textContent = `Recording ${kind}…`;
  try {
    const { status, body } = await api(`/v1/leads/${encodeURIComponent(shownLeadId)}/outcome`, {
      method: 'POST',
      body: JSON.stringify({ outcome: kind, ...(reason ? { reason } : {}) }),
    });
    const said =
      status === 201
        ? `Recorded: ${kind}. Lifecycle now ${body.lifecycle}; the score then was ${score(body.outcome?.score)}.`
        : `Already recorded: ${kind} (${body.status}).`;
    await showLead(shownLeadId);
    result.textContent = said;
  } catch (error) {
    result.textContent = error.message;
    result.classList.add('error');
    if (error.status === undefined) onError(error);
  }
}

/** Wires the outcome buttons. */
export function initLead(onError) {
  for (const button of document.querySelectorAll('[data-outcome]')) {
    button.addEventListener('click', () => recordOutcome(button.dataset.outcome, onError));
  }
}
