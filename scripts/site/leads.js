// The sales view of the local demo: lists leads from GET /v1/leads (ranked by current score) and
// explains each score from GET /v1/leads/{leadId}. Data is only ever written with textContent.
(() => {
  const KEY_STORAGE = 'leadscore_api_key';
  const PAGE_SIZE = 50;
  const form = document.getElementById('key-form');
  const keyInput = document.getElementById('api-key');
  const segmentSelect = document.getElementById('segment');
  const status = document.getElementById('status');
  const results = document.getElementById('results');
  const rows = document.getElementById('lead-rows');
  const loadMore = document.getElementById('load-more');
  let nextCursor;
  let rank = 0;

  const el = (tag, text, className) => {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  };
  const say = (text, isError = false) => {
    status.textContent = text;
    status.classList.toggle('error', isError);
  };
  const round = (value) => Math.round(value * 10) / 10;
  const signed = (points) => {
    if (typeof points !== 'number') return String(points ?? '');
    const shown = round(points);
    return shown > 0 ? `+${shown}` : String(shown);
  };
  const ownerName = (owner) => (owner && typeof owner === 'object' ? owner.name : owner) || 'unassigned';

  async function api(path) {
    const response = await fetch(path, {
      headers: { 'x-api-key': keyInput.value.trim(), accept: 'application/json' },
    });
    const body = await response.json().catch(() => ({}));
    if (response.status === 401 || response.status === 403) throw new Error('The API key was not accepted.');
    if (!response.ok) throw new Error(body.message || body.error || `The API answered ${response.status}.`);
    return body;
  }

  function explanationList(lead) {
    const box = document.createDocumentFragment();
    const lines = lead?.explanation?.lines ?? [];
    if (lines.length === 0) {
      box.append(el('p', 'No explanation recorded for this lead.'));
      return box;
    }
    const list = el('ul', undefined, 'explanation');
    for (const note of lead.explanation?.fastTrack ?? []) list.append(el('li', note.text, 'fast-track'));
    for (const line of lines) {
      const item = el('li');
      // Engagement rules say what they awarded and what is left now after decay (PRODUCT §2.12).
      const label =
        line.kind === 'engagement'
          ? `${line.ruleId}: ${signed(line.awarded)} awarded (${line.count}×), now`
          : line.ruleId
            ? `${line.ruleId} (${line.kind})`
            : line.text.replace(/:[^:]*$/, '');
      item.append(el('span', label));
      if (line.points !== undefined && line.points !== null) {
        const points = el('span', signed(line.points), 'points');
        if (line.points < 0) points.classList.add('negative');
        item.append(points);
      }
      list.append(item);
    }
    box.append(list);
    const version = lead.explanation?.modelVersion ?? lead.modelVersion;
    if (version) box.append(el('p', `Model version ${version}`, 'hint'));
    return box;
  }

  function whyCell(lead) {
    const cell = el('div', undefined, 'why');
    if (Array.isArray(lead.topReasons) && lead.topReasons.length > 0) {
      const reasons = el('ul', undefined, 'reasons');
      for (const reason of lead.topReasons) reasons.append(el('li', reason));
      cell.append(reasons);
    }
    const details = el('details');
    const body = el('div');
    details.append(el('summary', 'Full explanation'), body);
    cell.append(details);
    let loaded = false;
    details.addEventListener('toggle', async () => {
      if (!details.open || loaded) return;
      loaded = true;
      const loading = el('p', 'Loading the explanation…', 'hint');
      body.append(loading);
      try {
        const detail = await api(`/v1/leads/${encodeURIComponent(lead.leadId)}`);
        loading.replaceWith(explanationList(detail));
      } catch (error) {
        loaded = false;
        loading.textContent = error.message;
        loading.classList.add('error');
      }
    });
    return cell;
  }

  function leadRow(lead) {
    rank += 1;
    const row = el('tr');
    row.append(el('td', rank));
    const who = el('th');
    who.scope = 'row';
    who.append(el('span', lead.name || lead.email || lead.leadId, 'name'));
    if (lead.name && lead.email) who.append(el('span', lead.email, 'sub'));
    row.append(who, el('td', lead.company || '—'), el('td', Math.round(lead.score ?? 0), 'num'));
    const segment = el('td');
    segment.append(el('span', lead.segment ?? '—', `badge ${lead.segment ?? ''}`), ` ${lead.grade ?? ''}`);
    row.append(segment, el('td', ownerName(lead.owner)));
    const why = el('td');
    why.append(whyCell(lead));
    row.append(why);
    return row;
  }

  async function show(append) {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (segmentSelect.value) params.set('segment', segmentSelect.value);
    if (append && nextCursor) params.set('cursor', nextCursor);
    say('Loading leads…');
    try {
      const page = await api(`/v1/leads?${params}`);
      if (!append) {
        rows.replaceChildren();
        rank = 0;
      }
      for (const lead of page.items ?? []) rows.append(leadRow(lead));
      nextCursor = page.nextCursor || undefined;
      loadMore.hidden = !nextCursor;
      results.hidden = rank === 0;
      say(
        rank === 0
          ? 'No leads yet: submit the demo form first.'
          : `${rank} lead${rank === 1 ? '' : 's'} shown.`,
      );
      sessionStorage.setItem(KEY_STORAGE, keyInput.value.trim());
    } catch (error) {
      say(error.message, true);
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    show(false);
  });
  loadMore.addEventListener('click', () => show(true));
  document.getElementById('forget-key').addEventListener('click', () => {
    sessionStorage.removeItem(KEY_STORAGE);
    keyInput.value = '';
    rows.replaceChildren();
    results.hidden = true;
    say('The API key is forgotten.');
    keyInput.focus();
  });

  const saved = sessionStorage.getItem(KEY_STORAGE);
  if (saved) {
    keyInput.value = saved;
    show(false);
  }
})();
