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
  })
  .strict();

/**
 * The history of one lead: `points` (time, score, segment) to draw as a line, `markers` (one per
 * event: time, type, attributes, score before and after, decay since the previous event, rule
 * awards, fit and source points the profile moved, thresholds crossed, lifecycle), and the `thresholds` and `bands` to draw as lines.
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
  return {
    leadId,
    modelVersion: store.model.version,
    from: iso(history.from),
    to: iso(history.to),
    thresholds: history.thresholds,
    bands: history.bands,
    points: history.points.map((p) => ({ at: iso(p.at), score: round(p.score), segment: p.segment })),
    markers: history.markers.map((m) => ({
      ...m,
      at: iso(m.at),
      attributes: attributesOf.get(m.eventId) ?? {},
      scoreBefore: round(m.scoreBefore),
      scoreAfter: round(m.scoreAfter),
      decayedSincePrevious: round(m.decayedSincePrevious),
      profilePoints: round(m.profilePoints),
      rules: m.rules.map((r) => ({ ruleId: r.ruleId, points: round(r.points) })),
    })),
  };
}
