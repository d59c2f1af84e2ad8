// Gives this browser a stable anonymous id (localStorage, or the tracking snippet's cookie) and
// sends it with the form, so that activity tracked before the form counts for the lead.
(() => {
  const KEY = 'leadscore_anonymous_id';
  const fromCookie = () => {
    const match = document.cookie.match(/(?:^|;\s*)leadscore_anonymous_id=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : '';
  };
  const newId = () =>
    typeof crypto !== 'undefined' && crypto.randomUUID
      ? crypto.randomUUID()
      : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

  let id = '';
  try {
    id = localStorage.getItem(KEY) || fromCookie() || newId();
    localStorage.setItem(KEY, id);
  } catch {
    id = fromCookie() || newId();
  }

  const input = document.getElementById('anonymousId');
  if (input) input.value = id;
})();
