// The console's only way to the data: the API it is served by, with the API key pasted into it.

const KEY_STORAGE = 'leadscore_api_key';

export class ApiError extends Error {
  constructor(message, status, body) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
  }
}

export const apiKey = {
  get: () => sessionStorage.getItem(KEY_STORAGE) ?? '',
  set: (key) => sessionStorage.setItem(KEY_STORAGE, key),
  forget: () => sessionStorage.removeItem(KEY_STORAGE),
};

/** What a JSON error says, with the fields it names ("outcome: …"). */
function errorText(body, status) {
  const fields = Array.isArray(body?.fields) ? body.fields.map((f) => `${f.field}: ${f.message}`) : [];
  const message = body?.message || body?.error || `The API answered ${status}.`;
  return fields.length > 0 ? `${message} (${fields.join('; ')})` : message;
}

/** Calls the API (JSON in and out); throws an ApiError saying what went wrong. */
export async function api(path, init = {}) {
  const response = await fetch(path, {
    ...init,
    headers: {
      accept: 'application/json',
      'x-api-key': apiKey.get(),
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
  });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401 || response.status === 403)
    throw new ApiError('The API key was not accepted: paste the key of this stack.', response.status, body);
  if (!response.ok) throw new ApiError(errorText(body, response.status), response.status, body);
  return { status: response.status, body };
}
