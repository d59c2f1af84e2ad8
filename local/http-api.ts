/**
 * A local stand-in for the stack's API Gateway HTTP API: a node `http` server that turns each
 * request into a payload format 2.0 event, invokes the route's handler module in this process, and
 * writes its result back, with API Gateway's own answers where API Gateway would answer instead of
 * the function (404 for an unknown route, 413 for an oversized body, 500 when the handler throws,
 * 503 when it times out). It also serves the demo site and `GET /health`.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ApiCors, preflightAnswer, withGatewayCors } from '#shared/http/cors.ts';
import {
  fromHandlerResult,
  gatewayError,
  type HttpResponseParts,
  newApiRequestId,
  type RawHttpRequest,
  toHttpApiEvent,
} from './api-gateway-event.ts';
import { type HandlerModule, invokeHandler, LambdaTimeoutError } from './lambda-runtime.ts';
import { type CompiledRoute, compileRoute, matchRoute } from './routes.ts';
import { serveSiteFile } from './static-files.ts';

/** One API route: its route key and the handler module behind it. */
export interface HttpRoute {
  /** API Gateway route key, e.g. `POST /v1/forms/{formId}`. */
  routeKey: string;
  /** Loads the handler module, e.g. `() => import('#functions/forms/handler.ts')`. Called once. */
  handler: () => Promise<HandlerModule> | HandlerModule;
  /** Name in the Lambda context. Default: derived from the route key. */
  functionName?: string;
  /** Lambda timeout. Default 29 s (API Gateway's integration timeout). */
  timeoutMs?: number;
  /** Lambda memory, in the context (`memoryLimitInMB`). Default 1024. */
  memoryLimitInMB?: number;
}

/** What `GET /health` reports: 200 when `status` is `ok`, else 503. */
export interface HealthReport {
  status: string;
  components: Record<string, string>;
}

/** One line of the access log. Paths only: query strings and bodies may carry personal data. */
export interface AccessLogEntry {
  method: string;
  path: string;
  statusCode: number;
  durationMs: number;
  routeKey?: string;
  requestId?: string;
  /** Why the response is an error: the handler's error or a malformed result. Never sent to the client. */
  error?: unknown;
}

export interface HttpApiOptions {
  port: number;
  /** Default `127.0.0.1`: the local product is not meant to be reachable from the network. */
  host?: string;
  routes: readonly HttpRoute[];
  /** Folder of the demo site served for unmatched GET requests. */
  siteDir?: string;
  /** Answers `GET /health`. Without it, `/health` answers 200 `{ status: 'ok' }`. */
  health?: () => HealthReport;
  /** While this returns false, API routes answer 503 (the stack is still starting or stopping). */
  isReady?: () => boolean;
  /** API Gateway's payload limit is 10 MB; larger bodies get 413. */
  maxBodyBytes?: number;
  onRequest?: (entry: AccessLogEntry) => void;
  /**
   * The API's CORS configuration (`apiCors`, the object the CDK gives API Gateway): preflights
   * are answered here and never reach a function, and answers get API Gateway's CORS headers
   * instead of the function's, as deployed.
   */
  cors?: ApiCors;
}

export interface HttpApiServer {
  /** e.g. `http://127.0.0.1:3000` */
  url: string;
  port: number;
  server: Server;
  /** Stops accepting connections, ends idle ones, and waits for requests in flight. */
  close(): Promise<void>;
}

/** The port is already taken by another process. */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    options?: { cause?: unknown },
  ) {
    super(`port ${port} is in use; set PORT=... to use another one`, options);
    this.name = 'PortInUseError';
  }
}

const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
const DEFAULT_ROUTE_TIMEOUT_MS = 29_000;
const CLOSE_GRACE_MS = 2_000;

interface LoadedRoute extends HttpRoute {
  module?: Promise<HandlerModule>;
}

function defaultFunctionName(routeKey: string): string {
  return `local-${routeKey.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
}

/** Reads the body up to `maxBytes`; drains the rest and returns undefined when it is larger. */
async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  let tooLarge = Number.isFinite(declared) && declared > maxBytes;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    if (tooLarge) continue;
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      tooLarge = true;
      chunks.length = 0;
    } else {
      chunks.push(chunk as Buffer);
    }
  }
  return tooLarge ? undefined : Buffer.concat(chunks);
}

function writeResponse(res: ServerResponse, response: HttpResponseParts, headOnly: boolean): void {
  res.writeHead(response.statusCode, response.headers);
  res.end(headOnly ? undefined : response.body);
}

function sourceIpOf(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
}

function jsonResponse(statusCode: number, body: unknown): HttpResponseParts {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: Buffer.from(JSON.stringify(body)),
  };
}

/** Invokes the route's handler with the API Gateway event and maps the outcome to a response. */
async function invokeRoute(
  route: LoadedRoute,
  request: RawHttpRequest,
  match: { routeKey: string; pathParameters: Record<string, string> },
): Promise<{ response: HttpResponseParts; requestId: string; error?: unknown }> {
  const requestId = newApiRequestId();
  const event = toHttpApiEvent(request, match, new Date(), requestId);
  try {
    route.module ??= Promise.resolve(route.handler());
    const { handler } = await route.module;
    const result = await invokeHandler(handler, event, {
      functionName: route.functionName ?? defaultFunctionName(route.routeKey),
      timeoutMs: route.timeoutMs ?? DEFAULT_ROUTE_TIMEOUT_MS,
      memoryLimitInMB: route.memoryLimitInMB,
    });
    const response = fromHandlerResult(result, requestId);
    return { response, requestId, error: response.problem };
  } catch (error) {
    const response =
      error instanceof LambdaTimeoutError
        ? gatewayError(503, 'Service Unavailable', requestId)
        : gatewayError(500, 'Internal Server Error', requestId);
    return { response, requestId, error };
  }
}

/** Starts the local HTTP API. Rejects with {@link PortInUseError} when the port is taken. */
export async function startHttpApi(options: HttpApiOptions): Promise<HttpApiServer> {
  const host = options.host ?? '127.0.0.1';
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const routes = options.routes.map((route) => ({
    compiled: compileRoute(route.routeKey) as CompiledRoute,
    route: { ...route } as LoadedRoute,
  }));
  let port = options.port;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<AccessLogEntry> => {
    const started = performance.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = req.url ?? '/';
    const rawPath = url.split(/[?#]/)[0] || '/';
    const finish = (response: HttpResponseParts, extra: Partial<AccessLogEntry> = {}): AccessLogEntry => {
      writeResponse(res, response, method === 'HEAD');
      return {
        method,
        path: rawPath,
        statusCode: response.statusCode,
        durationMs: performance.now() - started,
        ...extra,
      };
    };

    if (rawPath === '/health' && (method === 'GET' || method === 'HEAD')) {
      const report = options.health?.() ?? { status: 'ok', components: {} };
      return finish(jsonResponse(report.status === 'ok' ? 200 : 503, report));
    }
    const origin = req.headers.origin;
    if (options.cors && method === 'OPTIONS' && origin && req.headers['access-control-request-method']) {
      req.resume();
      const preflight = preflightAnswer(options.cors, req.headers as Record<string, string | undefined>);
      return finish({ ...preflight, body: Buffer.alloc(0) });
    }
    const match = matchRoute(routes, method, rawPath);
    if (match) {
      const body = await readBody(req, maxBodyBytes);
      if (body === undefined) return finish(gatewayError(413, 'Request Entity Too Large'));
      if (options.isReady && !options.isReady()) return finish(gatewayError(503, 'Service Unavailable'));
      const request: RawHttpRequest = {
        method,
        url,
        rawHeaders: req.rawHeaders,
        body,
        sourceIp: sourceIpOf(req),
        localPort: port,
        protocol: `HTTP/${req.httpVersion}`,
      };
      const outcome = await invokeRoute(match.route, request, match);
      if (options.cors)
        outcome.response.headers = withGatewayCors(options.cors, origin, outcome.response.headers);
      return finish(outcome.response, {
        routeKey: match.routeKey,
        requestId: outcome.requestId,
        error: outcome.error,
      });
    }
    if (options.siteDir && (method === 'GET' || method === 'HEAD')) {
      const file = await serveSiteFile(options.siteDir, rawPath);
      if (file) return finish(file);
    }
    req.resume();
    return finish(gatewayError(404, 'Not Found'));
  };

  const server = createServer((req, res) => {
    handle(req, res).then(
      (entry) => options.onRequest?.(entry),
      (error: unknown) => {
        if (!res.headersSent) writeResponse(res, gatewayError(500, 'Internal Server Error'), false);
        else res.destroy();
        options.onRequest?.({
          method: req.method ?? 'GET',
          path: (req.url ?? '/').split('?')[0] ?? '/',
          statusCode: 500,
          durationMs: 0,
          error,
        });
      },
    );
  });

  server.listen({ port: options.port, host });
  try {
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([error]) => Promise.reject(error)),
    ]);
  } catch (error) {
    server.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new PortInUseError(options.port, { cause: error });
    }
    throw error;
  }
  port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    server,
    close: () => {
      closing ??= (async () => {
        const closed = new Promise<void>((done) => server.close(() => done()));
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        try {
          await closed;
        } finally {
          clearTimeout(force);
        }
      })();
      return closing;
    },
  };
}
