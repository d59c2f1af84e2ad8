import type { ClientConfig } from '#shared/config/schema.ts';
import { type ChosenRoute, DEFAULT_ROUTE_ID } from '#shared/scoring/routing.ts';
import type { NotificationDetail } from './envelope.ts';

/**
 * The route of a lead as the notifiers see it: the routing decision was made once, when the lead
 * was scored, and its id travels in the event (`routeId`). A route id the configuration no
 * longer has (an event from before a config change) falls back to the rule of the event's
 * owner, then to the default route.
 */
export function routeForDetail(
  detail: Pick<NotificationDetail, 'owner' | 'routeId'>,
  config: ClientConfig,
): ChosenRoute {
  const { rules, default: fallback } = config.notifications.routing;
  const ownerEmail = detail.owner?.email.toLowerCase();
  const rule =
    rules.find((candidate) => candidate.id === detail.routeId) ??
    (detail.routeId === DEFAULT_ROUTE_ID
      ? undefined
      : rules.find(
          (candidate) => ownerEmail !== undefined && candidate.owner.email.toLowerCase() === ownerEmail,
        ));
  if (rule) {
    const { id, when: _when, ...route } = rule;
    return { ...route, ruleId: id };
  }
  return { ...fallback, ruleId: DEFAULT_ROUTE_ID };
}

/**
 * Who gets the email: the route's `emailTo`; when a route lists nobody, the lead's owner,
 * so a notification is not lost to a missing list. Deduplicated, case-insensitively.
 */
export function emailRecipients(detail: Pick<NotificationDetail, 'owner'>, route: ChosenRoute): string[] {
  const candidates = route.emailTo.length > 0 ? route.emailTo : detail.owner ? [detail.owner.email] : [];
  const seen = new Set<string>();
  return candidates.filter((address) => {
    const key = address.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
