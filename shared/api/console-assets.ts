/**
 * The sales console's static files (GET /console/{asset}): plain HTML, CSS, ES modules and
 * Apache ECharts' prebuilt bundle, served as they are, with no build step. The same function
 * serves them locally and deployed, from the same relative paths: the repository locally, and
 * the function's bundle deployed (the CDK copies the manifest's `assets` beside `index.mjs`).
 * They hold no data: every call the console makes to the API carries the API key pasted into it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { CONSOLE_ASSETS } from './console-files.ts';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
};

/**
 * Same origin only: the console loads its own scripts and styles and calls the API it is served
 * by; it is never framed. ECharts sets element styles through the CSSOM, which CSP allows.
 */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
};

/** Where the asset paths start: the deployed function's code folder, else the repository. */
export function consoleAssetsRoot(): string {
  return process.env.LAMBDA_TASK_ROOT ?? fileURLToPath(new URL('../..', import.meta.url));
}

const gzipped = new Map<string, Buffer>();

/** Text assets above this size go out gzipped to a client that accepts it (ECharts: 1.1 MB → ~0.37 MB). */
const GZIP_FROM_BYTES = 8_192;

/**
 * The answer for `GET /console/{asset}`: the file, or 404 naming `asset` for a name that is not
 * one of the console's (paths never reach the file system). HTML and our scripts are revalidated
 * on every load; ECharts, versioned by the package, is cached for a day.
 */
export async function consoleAsset(
  asset: string | undefined,
  acceptEncoding: string | undefined,
  root: string = consoleAssetsRoot(),
): Promise<APIGatewayProxyStructuredResultV2> {
  const path = asset === undefined ? undefined : CONSOLE_ASSETS[asset];
  if (path === undefined || !Object.hasOwn(CONSOLE_ASSETS, asset ?? '')) {
    return {
      statusCode: 404,
      headers: { 'content-type': 'application/json', 'x-content-type-options': 'nosniff' },
      body: JSON.stringify({
        error: 'not_found',
        message: `no console file ${JSON.stringify(asset ?? '')}`,
        fields: [{ field: 'asset', message: `one of ${Object.keys(CONSOLE_ASSETS).join(', ')}` }],
      }),
    };
  }
  const body = await readFile(join(root, path));
  const extension = path.slice(path.lastIndexOf('.') + 1);
  const headers: Record<string, string> = {
    ...CONSOLE_SECURITY_HEADERS,
    'content-type': CONTENT_TYPES[extension] ?? 'application/octet-stream',
    'cache-control': path.startsWith('node_modules/') ? 'public, max-age=86400' : 'no-cache',
    vary: 'accept-encoding',
  };
  if (body.length >= GZIP_FROM_BYTES && /\bgzip\b/.test(acceptEncoding ?? '')) {
    // The package's files never change while the function runs; ours may (edited locally).
    let zipped = gzipped.get(path);
    if (zipped === undefined) {
      zipped = gzipSync(body);
      if (path.startsWith('node_modules/')) gzipped.set(path, zipped);
    }
    return {
      statusCode: 200,
      headers: { ...headers, 'content-encoding': 'gzip' },
      body: zipped.toString('base64'),
      isBase64Encoded: true,
    };
  }
  return { statusCode: 200, headers, body: body.toString('utf8') };
}

/** `GET /console`: to the console's page (a path, so it works under any host). */
export const CONSOLE_ENTRY_REDIRECT: APIGatewayProxyStructuredResultV2 = {
  statusCode: 302,
  headers: { location: '/console/index.html', 'cache-control': 'no-cache' },
  body: '',
};
