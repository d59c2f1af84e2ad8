import type { ClientConfig } from '#shared/config/schema.ts';
import { DETAIL_TYPES, type OutgoingEvent } from '#shared/events/contracts.ts';
import { explain, topReasons } from '#shared/scoring/explain.ts';
import type { CompiledModel } from '#shared/scoring/model.ts';
import { displayName } from '#shared/scoring/profile.ts';
import type { ChosenRoute } from '#shared/scoring/routing.ts';
import type { LeadState, ScoreChanges } from '#shared/scoring/types.ts';

const round = (n: number) => Math.round(n * 100) / 100;

/**
 * Turns the engine's changes into the events of PRODUCT §4.1. Each event's `id` is derived from
 * the lead's new version, so a re-publication carries the same id and consumers dedupe on it.
 */
export function outgoingEvents(args: {
  state: LeadState;
  changes: ScoreChanges;
  model: CompiledModel;
  config: ClientConfig;
  version: number;
  route: ChosenRoute | null;
  now: number;
  cause: string;
}): OutgoingEvent[] {
  const { state, changes, model, version, route, now, cause } = args;
  const scoreMoved = round(changes.scoreAfter) !== round(changes.scoreBefore);
  if (
    !scoreMoved &&
    !changes.segmentChange &&
    changes.thresholdCrossings.length === 0 &&
    !changes.newlyDisqualified
  ) {
    return [];
  }
  const email = typeof state.profile.email === 'string' ? state.profile.email : null;
  const company = typeof state.profile.company === 'string' ? state.profile.company : null;
  const base = {
    changeId: `${state.leadId}:v${version}`,
    leadId: state.leadId,
    email,
    name: displayName(state.profile),
    company,
    oldScore: round(changes.scoreBefore),
    newScore: round(changes.scoreAfter),
    oldSegment: changes.segmentChange ? changes.segmentChange.from : state.reported.segment,
    newSegment: state.reported.segment ?? '',
    grade: state.reported.grade ?? '',
    lifecycle: state.lifecycle,
    owner: route ? { name: route.owner.name, email: route.owner.email } : null,
    routeId: route?.ruleId ?? null,
    topReasons: topReasons(explain(state, model, now)),
    modelVersion: state.modelVersion,
    time: new Date(now).toISOString(),
    cause,
  };
  const id = (suffix: string) => `${state.leadId}:v${version}:${suffix}`;
  const events: OutgoingEvent[] = [];
  if (scoreMoved) events.push({ detailType: DETAIL_TYPES.scored, detail: { ...base, id: id('scored') } });
  for (const crossing of changes.thresholdCrossings) {
    events.push({
      detailType: DETAIL_TYPES.thresholdCrossed,
      detail: {
        ...base,
        id: id(`threshold:${crossing.name}:${crossing.direction}`),
        threshold: crossing.name,
        thresholdScore: crossing.threshold,
        direction: crossing.direction,
        ...(crossing.fastTrack ? { fastTrack: crossing.fastTrack } : {}),
      },
    });
  }
  if (changes.segmentChange) {
    events.push({ detailType: DETAIL_TYPES.segmentChanged, detail: { ...base, id: id('segment') } });
  }
  if (changes.newlyDisqualified) {
    events.push({
      detailType: DETAIL_TYPES.disqualified,
      detail: {
        ...base,
        id: id('disqualified'),
        reason: changes.newlyDisqualified.reason,
        ruleId: changes.newlyDisqualified.ruleId,
      },
    });
  }
  return events;
}
