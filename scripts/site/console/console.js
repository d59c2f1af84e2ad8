// The sales console's entry: the API key form and the hash router between the ranked list
// (#/?segment=hot), a lead (#/lead/<id>) and an account (#/account/<domain>).

import { showAccount } from './account-view.js';
import { apiKey } from './api.js';
import { say } from './dom.js';
import { initLead, showLead } from './lead-view.js';
import { initList, showList } from './list-view.js';

const $ = (id) => document.getElementById(id);
const VIEWS = ['list-view', 'lead-view', 'account-view'];

function showView(id) {
  for (const view of VIEWS) $(view).hidden = view !== id;
}

function onError(error) {
  say(error.message, true);
  if (error.status === 401 || error.status === 403) $('api-key').focus();
}

/** Shows what the address names; asks for the key first. */
async function route() {
  if (!apiKey.get()) {
    showView(null);
    say('Paste the API key to see the leads.');
    return;
  }
  const [path, search = ''] = location.hash.replace(/^#/, '').split('?');
  const parts = (path || '/').split('/').filter(Boolean).map(decodeURIComponent);
  try {
    if (parts[0] === 'lead' && parts[1]) {
      showView('lead-view');
      await showLead(parts[1]);
    } else if (parts[0] === 'account' && parts[1]) {
      showView('account-view');
      await showAccount(parts[1]);
    } else {
      showView('list-view');
      await showList(new URLSearchParams(search));
    }
    if (parts.length > 0) $('main').focus({ preventScroll: true });
  } catch (error) {
    onError(error);
  }
}

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  apiKey.set($('api-key').value.trim());
  route();
});
$('forget-key').addEventListener('click', () => {
  apiKey.forget();
  $('api-key').value = '';
  showView(null);
  say('The API key is forgotten.');
  $('api-key').focus();
});
window.addEventListener('hashchange', route);
initList(onError);
initLead(onError);
$('api-key').value = apiKey.get();
route();
