import { predictProbability } from '#shared/analytics/train.ts';
import type { CompiledModel } from './model.ts';
import type { LeadState, Profile, RuleTally } from './types.ts';

/**
 * The opt-in predictive blend (PRODUCT §6.4): a trained logistic regression's probability that
 * the lead converts, times the configured weight, added to the score as its own explanation
 * line. Its inputs (the profile, which rules fired and how often) change only at events, so the
 * blend is a constant between events and the threshold checks stay exact; it is part of the
 * fold, so replays and rescoring give it back.
 */
export function predictivePoints(
  model: CompiledModel,
  profile: Profile,
  parts: Pick<LeadState, 'fit' | 'source'>,
  tallies: LeadState['tallies'],
): { probability: number; points: number } | undefined {
  const blend = model.predictive;
  if (blend === null) return undefined;
  const ruleHits: Record<string, number> = {};
  for (const rule of parts.fit.rules) ruleHits[rule.ruleId] = 1;
  for (const rule of parts.source.rules) ruleHits[rule.ruleId] = 1;
  for (const id in tallies) {
    const tally: RuleTally | undefined = tallies[id];
    if (tally) ruleHits[id] = tally.count;
  }
  const probability = predictProbability(blend.model, { profile, ruleHits });
  return { probability, points: blend.weight * probability };
}
