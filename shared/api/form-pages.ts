import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { FieldIssue } from '#shared/http/errors.ts';
import { toHttpError } from '#shared/http/middleware.ts';
import { escapeHtml } from '#shared/notify/email.ts';

/**
 * Whether the browser shows the answer to the visitor (a plain HTML form post, a top-level or
 * frame navigation) rather than handing it to a script (`fetch`, XHR, `sendBeacon`).
 * `Sec-Fetch-Mode` decides when the browser sends it (every current one does): only `navigate`
 * is a navigation, whatever `Sec-Fetch-Dest` (`document`, `iframe`) it renders into. Without it
 * (older browsers, curl, servers), an `Accept` that names `text/html` is a navigation, as
 * browsers send it on navigations only. Anything else gets JSON.
 */
export function isNavigation(event: APIGatewayProxyEventV2): boolean {
  const mode = event.headers?.['sec-fetch-mode'];
  if (mode) return mode.trim().toLowerCase() === 'navigate';
  return /\btext\/html\b/i.test(event.headers?.accept ?? '');
}

/** Headers of the pages below: nothing but their own inline style may run or load. */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
};

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1f2328}code{background:#f0f1f3;padding:0 .25em;border-radius:3px}';

function page(statusCode: number, title: string, body: string): APIGatewayProxyStructuredResultV2 {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
  return { statusCode, headers: PAGE_HEADERS, body: html };
}

/** The answer to a navigation that posted a form without a `redirectUrl`. */
export function thanksPage(): APIGatewayProxyStructuredResultV2 {
  return page(200, 'Thank you', '<p>We received your request.</p>');
}

const httpUrl = (text: string | undefined): URL | undefined => {
  try {
    const url = new URL(text ?? '');
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Where "back to the form" leads: the page that posted (`Referer`) when it is on the posting
 * origin or one the form allows; else the posting origin's home page; else nowhere (the page
 * then only points at the browser's Back button). Only http(s) URLs: never a script link.
 */
function backLinkFor(event: APIGatewayProxyEventV2, allowedOrigins: readonly string[]): string | undefined {
  const origin = httpUrl(event.headers?.origin)?.origin;
  const referer = httpUrl(event.headers?.referer);
  if (referer && (referer.origin === origin || allowedOrigins.includes(referer.origin))) return referer.href;
  return origin === undefined ? undefined : `${origin}/`;
}

const HEADINGS: Record<number, string> = {
  400: 'Please check the form',
  403: 'This site cannot send this form',
  404: 'This form does not exist',
  413: 'The form is too large to send',
  415: 'The form was sent in a way we cannot read',
  429: 'Too many submissions',
};

/** The parts of an error answer a page shows. */
interface PageError {
  readonly statusCode: number;
  readonly code?: string;
  readonly message: string;
  readonly fields: readonly FieldIssue[];
}

/** What the visitor is told; an input-level problem lists the inputs by the names the page sent. */
function problemsOf(error: PageError, event: APIGatewayProxyEventV2): string {
  if (error.code === 'origin_not_allowed') {
    const origin = escapeHtml(event.headers?.origin ?? 'this site');
    return `<p>This form does not accept posts from <code>${origin}</code>. If this is your site, add it to the form’s <code>allowedOrigins</code>.</p>`;
  }
  if (error.statusCode >= 500) {
    const requestId = event.requestContext?.requestId;
    return `<p>Something went wrong on our side. Please try again in a minute.${requestId ? ` (Request id <code>${escapeHtml(requestId)}</code>.)` : ''}</p>`;
  }
  const inputs = error.fields.filter((issue) => issue.field !== 'body');
  if ((error.statusCode === 400 || error.statusCode === 429) && inputs.length > 0) {
    const items = inputs.map(
      (issue) => `<li><code>${escapeHtml(issue.field)}</code>: ${escapeHtml(issue.message)}</li>`,
    );
    return `<p>Fix these and send the form again:</p><ul>${items.join('')}</ul>`;
  }
  return `<p>${escapeHtml(error.message)}</p>`;
}

/**
 * An error answered as a small HTML page (same status) that says what to fix, naming the
 * inputs as the page sent them, with a plain link back to the form (no script).
 */
function errorPage(
  error: PageError,
  event: APIGatewayProxyEventV2,
  allowedOrigins: readonly string[],
): APIGatewayProxyStructuredResultV2 {
  const back = backLinkFor(event, allowedOrigins);
  const link = back
    ? `<p><a id="back" href="${escapeHtml(back)}">Back to the form</a> (your browser’s Back button keeps what you typed).</p>`
    : '<p>Use your browser’s Back button to return to the form.</p>';
  const title =
    HEADINGS[error.statusCode] ??
    (error.statusCode >= 500 ? 'Something went wrong' : 'The form was not sent');
  return page(error.statusCode, title, problemsOf(error, event) + link);
}

/**
 * For navigations (see {@link isNavigation}), turns the error answer that `httpErrors` built
 * into {@link errorPage}; fetch and XHR keep the JSON. Its `onError` must run after
 * `httpErrors`'s, so it is `use`d before it.
 */
export function formErrorPages(
  allowedOriginsFor: (event: APIGatewayProxyEventV2) => readonly string[] | undefined,
): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    onError: async (request) => {
      if (!request.response || !isNavigation(request.event)) return;
      const statusCode = request.response.statusCode ?? 500;
      const mapped = statusCode < 500 ? toHttpError(request.error) : undefined;
      request.response = errorPage(
        mapped ?? { statusCode, message: 'Internal error', fields: [] },
        request.event,
        allowedOriginsFor(request.event) ?? [],
      );
    },
  };
}
