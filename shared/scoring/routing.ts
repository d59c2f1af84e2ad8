import type { ClientConfig, Route } from '#shared/config/schema.ts';
import { compileConditions, type Fields, type Predicate } from '#shared/scoring/conditions.ts';

/** The `ruleId` of the default route (the route of a lead no rule matches). */
export const DEFAULT_ROUTE_ID = 'default';

/** The route chosen for a lead: its owner, Slack channel and email recipients. */
export interface ChosenRoute extends Route {
  /** The routing rule that matched, or `default`. */
  readonly ruleId: string;
}

const compiled = new WeakMap<ClientConfig, { ruleId: string; route: Route; matches: Predicate }[]>();

function routesOf(config: ClientConfig) {
  let routes = compiled.get(config);
  if (!routes) {
    routes = config.notifications.routing.rules.map(({ id, when, ...route }) => ({
      ruleId: id,
      route,
      matches: compileConditions(when, config.lists),
    }));
    compiled.set(config, routes);
  }
  return routes;
}

/**
 * Routes a lead by its profile (territory, industry, company size): the first matching rule in
 * file order wins, else the default route (PRODUCT §4.3).
 */
export function routeFor(profile: Fields, config: ClientConfig): ChosenRoute {
  for (const { ruleId, route, matches } of routesOf(config)) {
    if (matches(profile)) return { ...route, ruleId };
  }
  return { ...config.notifications.routing.default, ruleId: DEFAULT_ROUTE_ID };
}
