/**
 * Route keys as API Gateway HTTP APIs write them (`POST /v1/forms/{formId}`, `ANY /files/{path+}`,
 * `$default`) and the matching rules API Gateway applies: literal segments beat path variables,
 * path variables beat greedy ones, a method beats `ANY`, and `$default` only catches the rest.
 */

/** One segment of a route path. */
type Segment =
  | { kind: 'literal'; value: string }
  | { kind: 'param'; name: string }
  | { kind: 'greedy'; name: string };

/** A parsed route key. */
export interface CompiledRoute {
  routeKey: string;
  /** Upper-case method, `ANY`, or undefined for `$default`. */
  method: string | undefined;
  segments: Segment[];
}

/** The route that matched a request, with its path parameters (URL-decoded). */
export interface RouteMatch<R> {
  route: R;
  routeKey: string;
  pathParameters: Record<string, string>;
}

/** A route key API Gateway would reject. */
export class RouteKeyError extends Error {
  constructor(routeKey: string, reason: string) {
    super(`Invalid route key "${routeKey}": ${reason}`);
    this.name = 'RouteKeyError';
  }
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'ANY']);

/** Parses `METHOD /path/{param}` (or `$default`), rejecting what API Gateway would reject. */
export function compileRoute(routeKey: string): CompiledRoute {
  if (routeKey === '$default') return { routeKey, method: undefined, segments: [] };
  const [method, path, ...rest] = routeKey.split(' ');
  if (method === undefined || path === undefined || rest.length > 0 || !METHODS.has(method)) {
    throw new RouteKeyError(routeKey, 'expected "<METHOD> /path" or "$default"');
  }
  if (!path.startsWith('/')) throw new RouteKeyError(routeKey, 'the path must start with "/"');
  const parts = path === '/' ? [] : path.slice(1).split('/');
  const segments = parts.map((part, index): Segment => {
    const variable = /^\{([A-Za-z0-9_.-]+)(\+?)\}$/.exec(part);
    if (!variable) return { kind: 'literal', value: part };
    const name = variable[1] ?? '';
    if (variable[2] !== '+') return { kind: 'param', name };
    if (index !== parts.length - 1) throw new RouteKeyError(routeKey, 'a greedy variable must come last');
    return { kind: 'greedy', name };
  });
  return { routeKey, method, segments };
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Path parameters when `route` matches `path` (method aside), else undefined. */
function matchPath(route: CompiledRoute, pathSegments: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < route.segments.length; i++) {
    const segment = route.segments[i] as Segment;
    const actual = pathSegments[i];
    if (segment.kind === 'greedy') {
      const remainder = pathSegments.slice(i);
      if (remainder.length === 0 || remainder.join('/') === '') return undefined;
      params[segment.name] = decode(remainder.join('/'));
      return params;
    }
    if (actual === undefined) return undefined;
    if (segment.kind === 'literal') {
      if (segment.value !== actual) return undefined;
    } else {
      if (actual === '') return undefined;
      params[segment.name] = decode(actual);
    }
  }
  return pathSegments.length === route.segments.length ? params : undefined;
}

const RANK = { literal: 3, param: 2, greedy: 1 } as const;

/** Positive when `a` is more specific than `b`. */
function compareSpecificity(a: CompiledRoute, b: CompiledRoute): number {
  const length = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < length; i++) {
    const rankA = a.segments[i] ? RANK[(a.segments[i] as Segment).kind] : 0;
    const rankB = b.segments[i] ? RANK[(b.segments[i] as Segment).kind] : 0;
    if (rankA !== rankB) return rankA - rankB;
  }
  return (a.method === 'ANY' ? 0 : 1) - (b.method === 'ANY' ? 0 : 1);
}

/**
 * Finds the most specific route for `method` and `rawPath`, as API Gateway does. `routes` pairs each
 * compiled route with the caller's own route object, which is returned on a match.
 */
export function matchRoute<R>(
  routes: ReadonlyArray<{ compiled: CompiledRoute; route: R }>,
  method: string,
  rawPath: string,
): RouteMatch<R> | undefined {
  const pathSegments = rawPath === '/' ? [] : rawPath.slice(1).split('/');
  const upperMethod = method.toUpperCase();
  let best: { compiled: CompiledRoute; route: R; params: Record<string, string> } | undefined;
  let fallback: { compiled: CompiledRoute; route: R } | undefined;
  for (const candidate of routes) {
    const { compiled } = candidate;
    if (compiled.method === undefined) {
      fallback ??= candidate;
      continue;
    }
    if (compiled.method !== 'ANY' && compiled.method !== upperMethod) continue;
    const params = matchPath(compiled, pathSegments);
    if (params === undefined) continue;
    if (best === undefined || compareSpecificity(compiled, best.compiled) > 0) {
      best = { ...candidate, params };
    }
  }
  if (best) return { route: best.route, routeKey: best.compiled.routeKey, pathParameters: best.params };
  if (fallback) return { route: fallback.route, routeKey: '$default', pathParameters: {} };
  return undefined;
}
