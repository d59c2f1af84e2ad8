import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Leadscore } from '#shared/app/leadscore.ts';
import { json } from '#shared/http/errors.ts';
import { checkLeadId } from './outcomes.ts';

/**
 * DELETE /v1/leads/{leadId} (PRODUCT §6.1, GDPR): erases the lead, its events and outcomes, its
 * merged visitors, its notification log and the notifiers' dedupe records of those
 * notifications. Idempotent: 200 with what was deleted, `deleted: 0` once nothing is left.
 */
export async function deleteLead(
  app: Leadscore,
  leadIdParam: string | undefined,
  forgetNotification: (eventId: string) => Promise<void>,
): Promise<APIGatewayProxyStructuredResultV2> {
  const leadId = checkLeadId(leadIdParam);
  const erased = await app.erase(leadId, forgetNotification);
  return json(200, { leadId, erased: true, deleted: erased.deleted, notifications: erased.notifications });
}
