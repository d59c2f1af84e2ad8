import { predictProbability } from '#shared/analytics/train.ts';
import type { CompiledModel } from './model.ts';
import type { LeadState, Profile, RuleTally } from './types.ts';

/**
 * The opt-in predictive blend (PRODUCT §6.4): a trained logistic regression's probability that
 * the lead converts, times the configured weight, added to the score as its own explanation
 * line. Its inputs (the profile, which rules fired and how often) change only at events, so the
 * blend is a constant between events and the threshold checks stay exact; it is part of the
 * fold, so replays and rescoring give it back. The tallies come as a working lead keeps them:
 * by slot, `tallies[i]` for rule `tallyIds[i]`.
 */
export function predictivePoints(
  model: CompiledModel,
  profile: Profile,
  parts: Pick<LeadState, 'fit' | 'source'>,
  tallyIds: readonly string[],
  tallies: readonly (RuleTally | undefined)[],
): { probability: number; points: number } | undefined {
  const blend = model.predictive;
  if (blend === null) return undefined;
  const ruleHits: Record<string, number> = {};
  for (const rule of parts.fit.rules) ruleHits[rule.ruleId] = 1;
  for (const rule of parts.source.rules) ruleHits[rule.ruleId] = 1;
  for (let slot = 0; slot < tallyIds.length; slot++) {
    const tally = tallies[slot];
    if (tally) ruleHits[tallyIds[slot]!] = tally.count;
  }
  const probability = predictProbability(blend.model, { profile, ruleHits });
  return { probability, points: blend.weight * probability };
}
