/** Outgoing events as the lead store emits them (PRODUCT §4.1), for notifier and relay tests. */
import { DETAIL_TYPES, type OutgoingEvent } from '#shared/events/contracts.ts';

/** An upward MQL crossing of `leadId`'s change `version`, as the notifiers' rules route it. */
export function crossingEvent(
  leadId: string,
  version: number,
  overrides: { email?: string } = {},
): OutgoingEvent {
  return {
    detailType: DETAIL_TYPES.thresholdCrossed,
    detail: {
      id: `${leadId}:v${version}:threshold:mql:up`,
      changeId: `${leadId}:v${version}`,
      leadId,
      email: overrides.email ?? `${leadId}@bigcorp.test`,
      name: 'Jane Doe',
      company: 'BigCorp',
      oldScore: 80,
      newScore: 105,
      oldSegment: 'warm',
      newSegment: 'hot',
      grade: 'A',
      lifecycle: 'mql',
      owner: { name: 'Sam Rivera', email: 'sam@example.com' },
      topReasons: ['Requested a demo (+30)'],
      modelVersion: 'v1',
      time: '2026-11-25T12:00:00.000Z',
      cause: 'form_submit',
      threshold: 'mql',
      thresholdScore: 100,
      direction: 'up',
    },
  };
}

/** A `Lead Scored` event of `leadId`'s change `version` (routed to no notifier). */
export function scoredEvent(leadId: string, version: number): OutgoingEvent {
  const crossing = crossingEvent(leadId, version);
  const {
    threshold: _t,
    thresholdScore: _s,
    direction: _d,
    ...summary
  } = crossing.detail as typeof crossing.detail & {
    threshold: string;
    thresholdScore: number;
    direction: string;
  };
  return {
    detailType: DETAIL_TYPES.scored,
    detail: { ...summary, id: `${leadId}:v${version}:scored` },
  };
}
