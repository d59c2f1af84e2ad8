/**
 * GET /v1/leads/{leadId}/history (API key): the lead's score over time for the sales console's
 * chart and activity timeline. The lead's stored events (its own and its merged visitors') are
 * replayed by the engine (`scoreHistory`, shared/scoring/score-history.ts) under the current
 * model, up to the lead's read time, so the browser draws what the engine computes and never
 * re-implements decay.
 */
import * as z from 'zod';
import type { Leadscore } from '#shared/app/leadscore.ts';
import { ValidationError } from '#shared/http/errors.ts';
import { zodFieldIssues } from '#shared/http/middleware.ts';
import { scoreHistory } from '#shared/scoring/score-history.ts';
import { stateOf } from '#shared/store/lead-item.ts';
import { readTimeOf, storedLead } from './leads.ts';

const round = (n: number) => Math.round(n * 100) / 100;
const iso = (t: number) => new Date(t).toISOString();

export const historyQuerySchema = z
  .object({
    /** Evenly spaced samples of the score line, besides one point per event and inactivity step. */
    samples: z.coerce.number().int().min(10).max(500).default(200),
    /** The newest events listed as markers (the line still covers every event). */
    markers: z.coerce.number().int().min(1).max(1000).default(500),
  })
  .strict();

/** The most points a line is drawn with: past it, every k-th point and the last are kept. */
export const MAX_POINTS = 4000;

export function thinned<T>(points: readonly T[]): readonly T[] {
  if (points.length <= MAX_POINTS) return points;
  const step = Math.ceil(points.length / (MAX_POINTS - 1));
  const kept = points.filter((_, i) => i % step === 0);
  const last = points[points.length - 1] as T;
  return kept[kept.length - 1] === last ? kept : [...kept, last];
}

/** What a marker shows of an event's attributes: enough to read, bounded whatever was sent. */
export const MARKER_ATTRIBUTES = { count: 20, chars: 200 } as const;

/** An event's attributes as a marker lists them, and whether anything was left out. */
function markerAttributes(attributes: Record<string, unknown>) {
  let trimmed = false;
  const shown: Record<string, unknown> = {};
  // In name order: stored attributes keep no order, and the same event must show the same ones.
  const names = Object.keys(attributes).sort();
  for (const name of names) {
    const value = attributes[name];
    if (Object.keys(shown).length === MARKER_ATTRIBUTES.count) {
      trimmed = true;
      break;
    }
    if (typeof value === 'string' && value.length > MARKER_ATTRIBUTES.chars) {
      shown[name] = `${value.slice(0, MARKER_ATTRIBUTES.chars - 1)}…`;
      trimmed = true;
    } else shown[name] = value;
  }
  return trimmed ? { attributes: shown, attributesTrimmed: true } : { attributes: shown };
}

/**
 * The history of one lead: `points` (time, score, segment) to draw as a line, `markers` (one per
 * event, the newest `markers` of them: time, type, attributes, score before and after, decay
 * since the previous event, rule awards, fit and source points the profile moved, thresholds
 * crossed, lifecycle; `markersOmitted` counts the older ones), and the `thresholds` and `bands`
 * to draw as lines. The answer stays bounded for a lead with any number of events (a Lambda
 * answer may not pass 6 MB): at most 4,000 points (every k-th past that) and 1,000 markers,
 * each listing at most 20 attributes of at most 200 characters (`attributesTrimmed` when it
 * left something out).
 * 400 names a bad `leadId` or query field; 404 an unknown or merged lead.
 */
export async function getLeadHistory(
  store: Leadscore,
  leadId: string,
  query: Record<string, string | undefined>,
  now: number,
) {
  const parsed = historyQuerySchema.safeParse(query);
  if (!parsed.success) throw new ValidationError(zodFieldIssues(parsed.error));
  const item = await storedLead(store, leadId);
  const events = await store.storedEvents(leadId, item.anonymousIds ?? []);
  const to = readTimeOf(stateOf(item), now);
  const history = scoreHistory(leadId, events, store.model, to, { samples: parsed.data.samples });
  const attributesOf = new Map(events.map((e) => [e.id, e.attributes]));
  const markers = history.markers.slice(-parsed.data.markers);
  return {
    leadId,
    modelVersion: store.model.version,
    from: iso(history.from),
    to: iso(history.to),
    thresholds: history.thresholds,
    bands: history.bands,
    points: thinned(history.points).map((p) => ({
      at: iso(p.at),
      score: round(p.score),
      segment: p.segment,
    })),
    markersOmitted: history.markers.length - markers.length,
    markers: markers.map((m) => ({
      ...m,
      at: iso(m.at),
      ...markerAttributes(attributesOf.get(m.eventId) ?? {}),
      scoreBefore: round(m.scoreBefore),
      scoreAfter: round(m.scoreAfter),
      decayedSincePrevious: round(m.decayedSincePrevious),
      profilePoints: round(m.profilePoints),
      rules: m.rules.map((r) => ({ ruleId: r.ruleId, points: round(r.points) })),
    })),
  };
}
