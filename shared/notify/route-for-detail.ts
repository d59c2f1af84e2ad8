import type { ClientConfig } from '#shared/config/schema.ts';
import type { NotificationDetail } from './envelope.ts';
import type { ChosenRoute } from './routing.ts';

/**
 * The route of a lead as the notifiers see it. Routing by profile (`routeFor`: territory,
 * industry, size) already happened when the lead was scored and its result is the event's
 * `owner`; the event does not carry country or industry, so re-running `routeFor` here would
 * route everything to the default. Instead the notifier picks the first routing rule whose
 * owner is the event's owner (email, case-insensitive), else the default route. Same config,
 * same owner, same channel and recipients.
 */
export function routeForDetail(detail: Pick<NotificationDetail, 'owner'>, config: ClientConfig): ChosenRoute {
  const ownerEmail = detail.owner?.email.toLowerCase();
  const { rules, default: fallback } = config.notifications.routing;
  if (ownerEmail) {
    const rule = rules.find((candidate) => candidate.owner.email.toLowerCase() === ownerEmail);
    if (rule) {
      const { id, when: _when, ...route } = rule;
      return { ...route, ruleId: id };
    }
  }
  return { ...fallback, ruleId: 'default' };
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
