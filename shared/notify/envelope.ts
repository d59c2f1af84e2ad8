import * as z from 'zod';
import { formatIssues } from '#shared/config/issues.ts';
import {
  DETAIL_TYPES,
  type SegmentChangedDetail,
  segmentChangedDetail,
  type ThresholdCrossedDetail,
  thresholdCrossedDetail,
} from '#shared/events/contracts.ts';

/** The detail types the notifiers' rules route to them (PRODUCT §4.2). */
export type NotifyingDetailType = typeof DETAIL_TYPES.thresholdCrossed | typeof DETAIL_TYPES.segmentChanged;

/** The detail of a notifying event. */
export type NotificationDetail = ThresholdCrossedDetail | SegmentChangedDetail;

/** A validated notifying event: what the notifiers work with. */
export type NotificationEvent =
  | { detailType: typeof DETAIL_TYPES.thresholdCrossed; detail: ThresholdCrossedDetail; envelopeId: string }
  | { detailType: typeof DETAIL_TYPES.segmentChanged; detail: SegmentChangedDetail; envelopeId: string };

const envelopeBase = {
  version: z.string(),
  id: z.string().min(1),
  source: z.string().startsWith('leadscore.'),
  time: z.string(),
};

/** The EventBridge envelope of a notifying event, checked against the event contracts. */
export const notificationEnvelopeSchema = z.discriminatedUnion('detail-type', [
  z.object({
    ...envelopeBase,
    'detail-type': z.literal(DETAIL_TYPES.thresholdCrossed),
    detail: thresholdCrossedDetail,
  }),
  z.object({
    ...envelopeBase,
    'detail-type': z.literal(DETAIL_TYPES.segmentChanged),
    detail: segmentChangedDetail,
  }),
]);

/**
 * A delivery the notifiers cannot act on. It names every bad field so the log (and the
 * dead-letter entry) says what to fix; retrying it cannot succeed.
 */
export class MalformedEnvelopeError extends Error {
  override name = 'MalformedEnvelopeError';
  constructor(
    readonly issues: string[],
    options?: { cause?: unknown },
  ) {
    super(`Malformed notification envelope: ${issues.join('; ')}`, options);
  }
}

/** Validates an EventBridge delivery; throws MalformedEnvelopeError with field paths. */
export function parseNotificationEnvelope(event: unknown): NotificationEvent {
  const parsed = notificationEnvelopeSchema.safeParse(event);
  if (!parsed.success) throw new MalformedEnvelopeError(formatIssues(parsed.error), { cause: parsed.error });
  const envelope = parsed.data;
  return envelope['detail-type'] === DETAIL_TYPES.thresholdCrossed
    ? { detailType: envelope['detail-type'], detail: envelope.detail, envelopeId: envelope.id }
    : { detailType: envelope['detail-type'], detail: envelope.detail, envelopeId: envelope.id };
}
