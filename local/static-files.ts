/**
 * Serves the demo site (`scripts/site/`) next to the local API, so the landing page can post its
 * form to the API on the same origin (the sales console, `scripts/site/console/`, is served by
 * its own function at /console, locally as deployed). Files are read on every request: editing the page needs no
 * restart. Only known file types inside the site folder are served.
 */
import { readFile } from 'node:fs/promises';
import { extname, join, relative, resolve, sep } from 'node:path';
import type { HttpResponseParts } from './api-gateway-event.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** Same-origin only: the page may load its own scripts and post its form to the local API. */
const HTML_SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'referrer-policy': 'same-origin',
};

/**
 * Addresses of the demo site that moved: the leads page became the sales console, which the
 * console function serves at /console (as deployed), so old links and bookmarks still work.
 */
const MOVED: Readonly<Record<string, string>> = { '/leads.html': '/console/index.html' };

/** Maps a URL path to a file inside `siteDir`, or undefined when it is outside or not servable. */
export function resolveSitePath(siteDir: string, rawPath: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  if (path.includes('\0')) return undefined;
  const wanted = path === '/' || path === '' ? '/index.html' : path;
  const root = resolve(siteDir);
  const file = resolve(join(root, wanted));
  const inside = relative(root, file);
  if (inside === '' || inside.startsWith('..') || inside.split(sep).some((part) => part.startsWith('.'))) {
    return undefined;
  }
  return CONTENT_TYPES[extname(file).toLowerCase()] ? file : undefined;
}

/** Reads a site file into a response, or returns undefined when there is no such file. */
export async function serveSiteFile(
  siteDir: string,
  rawPath: string,
): Promise<HttpResponseParts | undefined> {
  const moved = Object.hasOwn(MOVED, rawPath) ? MOVED[rawPath] : undefined;
  if (moved !== undefined) {
    return {
      statusCode: 302,
      headers: { location: moved, 'cache-control': 'no-cache' },
      body: Buffer.alloc(0),
    };
  }
  const file = resolveSitePath(siteDir, rawPath);
  if (file === undefined) return undefined;
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return undefined;
  }
  const contentType = CONTENT_TYPES[extname(file).toLowerCase()] as string;
  const headers: Record<string, string> = {
    'content-type': contentType,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  };
  if (contentType.startsWith('text/html')) Object.assign(headers, HTML_SECURITY_HEADERS);
  return { statusCode: 200, headers, body };
}
