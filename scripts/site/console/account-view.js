// One account (GET /v1/accounts/{domain}): the company's roll-up score and its leads.
import { api } from './api.js';
import { cell, el, fact, link, say, score, segmentBadge } from './dom.js';

const $ = (id) => document.getElementById(id);

function memberRow(lead) {
  const row = el('tr');
  const who = el('div', undefined, 'who');
  who.append(
    link(lead.name || lead.email || lead.leadId, `#/lead/${encodeURIComponent(lead.leadId)}`, 'name'),
  );
  if (lead.name && lead.email) who.append(el('span', lead.email, 'sub'));
  row.append(
    cell('Lead', who, 'lead'),
    cell('Score', score(lead.score), 'num score'),
    cell('Segment', segmentBadge(lead.segment)),
    cell('Grade', lead.grade),
    cell('Lifecycle', lead.lifecycle),
    cell('Owner', lead.owner?.name ?? 'unassigned'),
  );
  return row;
}

/** Shows an account and its leads, highest score first. */
export async function showAccount(domain) {
  say('Loading the account…');
  const { body: account } = await api(`/v1/accounts/${encodeURIComponent(domain)}`);
  $('account-title').textContent = `Account ${account.domain}`;
  const facts = $('account-facts');
  facts.replaceChildren();
  fact(facts, 'Account score', el('span', score(account.score), 'big-score'));
  fact(facts, 'Segment', segmentBadge(account.segment));
  fact(facts, 'Combined by', account.method);
  fact(facts, 'Leads', account.leads);
  $('member-rows').replaceChildren(...account.members.map(memberRow));
  say('');
}
