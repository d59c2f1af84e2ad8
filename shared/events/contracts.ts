import * as z from 'zod';

/**
 * The events leadscore puts on a client's bus (PRODUCT §4.1), with source `leadscore.<client>`.
 * These zod schemas are the single contract shared by the publisher, the notifiers, the local
 * event bus and the CDK rules (whose patterns are the objects exported below).
 */
export const DETAIL_TYPES = {
  scored: 'Lead Scored',
  thresholdCrossed: 'Lead Threshold Crossed',
  segmentChanged: 'Lead Segment Changed',
  disqualified: 'Lead Disqualified',
} as const;

export type DetailType = (typeof DETAIL_TYPES)[keyof typeof DETAIL_TYPES];

export const sourceFor = (client: string) => `leadscore.${client}`;

const leadSummary = {
  /** Stable id of this event: consumers dedupe on it (delivery is at least once). */
  id: z.string(),
  /**
   * The lead change this event belongs to (lead id + version). One change can raise several
   * events (crossing MQL and entering `hot`); people are notified once per change.
   */
  changeId: z.string().optional(),
  leadId: z.string(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  company: z.string().nullable(),
  oldScore: z.number(),
  newScore: z.number(),
  oldSegment: z.string().nullable(),
  newSegment: z.string(),
  grade: z.string(),
  lifecycle: z.string(),
  owner: z.object({ name: z.string(), email: z.string() }).nullable(),
  /** The routing rule that chose the owner (or `default`): notifiers look the route up by it. */
  routeId: z.string().nullable().optional(),
  topReasons: z.array(z.string()),
  modelVersion: z.string(),
  /** ISO time of the change. */
  time: z.string(),
  /** The event or job that caused it. */
  cause: z.string(),
};

export const leadScoredDetail = z.object(leadSummary);
export const thresholdCrossedDetail = z.object({
  ...leadSummary,
  threshold: z.string(),
  thresholdScore: z.number(),
  direction: z.enum(['up', 'down']),
  /** The engagement rule that qualified the lead directly (fast track, PRODUCT §2.13). */
  fastTrack: z.string().optional(),
});
export const segmentChangedDetail = z.object(leadSummary);
export const disqualifiedDetail = z.object({ ...leadSummary, reason: z.string(), ruleId: z.string() });

export type LeadScoredDetail = z.infer<typeof leadScoredDetail>;
export type ThresholdCrossedDetail = z.infer<typeof thresholdCrossedDetail>;
export type SegmentChangedDetail = z.infer<typeof segmentChangedDetail>;
export type DisqualifiedDetail = z.infer<typeof disqualifiedDetail>;

/** An event ready for PutEvents: detail type + detail, typed by the contract. */
export type OutgoingEvent =
  | { detailType: typeof DETAIL_TYPES.scored; detail: LeadScoredDetail }
  | { detailType: typeof DETAIL_TYPES.thresholdCrossed; detail: ThresholdCrossedDetail }
  | { detailType: typeof DETAIL_TYPES.segmentChanged; detail: SegmentChangedDetail }
  | { detailType: typeof DETAIL_TYPES.disqualified; detail: DisqualifiedDetail };

export const detailSchemas = {
  [DETAIL_TYPES.scored]: leadScoredDetail,
  [DETAIL_TYPES.thresholdCrossed]: thresholdCrossedDetail,
  [DETAIL_TYPES.segmentChanged]: segmentChangedDetail,
  [DETAIL_TYPES.disqualified]: disqualifiedDetail,
} as const;

/**
 * The rule patterns that route events to the notifiers: the CDK stack's EventBridge rules and
 * the local event bus use these very objects. A lead crossing a notifying threshold upward, or
 * entering a notifying segment, notifies sales; disqualified leads never do (their segment is
 * `disqualified`, and the engine never reports an upward crossing for them).
 */
export function notificationPatterns(client: string, notifyOn: { thresholds: string[]; segments: string[] }) {
  return {
    thresholdCrossed: {
      source: [sourceFor(client)],
      'detail-type': [DETAIL_TYPES.thresholdCrossed],
      detail: { direction: ['up'], threshold: notifyOn.thresholds },
    },
    segmentChanged: {
      source: [sourceFor(client)],
      'detail-type': [DETAIL_TYPES.segmentChanged],
      detail: { newSegment: notifyOn.segments },
    },
  };
}

/** The EventBridge event envelope a rule target receives. */
export interface BusEnvelope<D = unknown> {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: D;
}
