import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { type TrainResult, trainPredictive } from '#shared/analytics/train.ts';
import { ruleInfoOf } from '#shared/app/model-data.ts';
import { openTarget } from './target.ts';
import { parseCommandArgs, UsageError } from './usage.ts';

const num = (n: number | null | undefined, digits = 3) =>
  n === null || n === undefined ? '–' : n.toFixed(digits);

/** What an operator reads after training. */
export function formatTraining(result: TrainResult, where: string, out: string | undefined): string {
  const { holdout } = result;
  const lines = [
    `Trained on ${result.training.size} leads from ${where}; judged on ${holdout.size} held out (${holdout.positives} converted).`,
    `Holdout AUC: predictive ${num(holdout.auc)}${holdout.aucInterval ? ` (95% ${num(holdout.aucInterval.lower)}–${num(holdout.aucInterval.upper)})` : ''}, current rules ${num(holdout.aucCurrentModel)}, rules with suggested points ${num(holdout.aucRulesOnly)}`,
    `L2 penalty λ = ${result.lambda} (${result.lambdaSelection.method})`,
    'Strongest features (log-odds per unit):',
    ...result.features
      .slice(0, 15)
      .map(
        (f) => `  ${f.coefficient >= 0 ? '+' : ''}${f.coefficient.toFixed(3)}  ${f.name}  (${f.leads} leads)`,
      ),
  ];
  if (result.suggestions.length > 0) {
    lines.push('Suggested points for the rules:');
    for (const s of result.suggestions)
      lines.push(`  ${s.ruleId}: ${s.points} → ${s.suggestedPoints}  (${s.leads} leads)`);
  }
  for (const w of result.warnings)
    lines.push(`${w.kind}: ${w.feature}: ${w.detail}${w.excluded ? ' (left out)' : ''}`);
  if (out) lines.push(`Model written to ${out}: paste it under model: in the client config to blend it in.`);
  return lines.join('\n');
}

/** The `model.predictive` block of a client config for a trained model (PRODUCT §6.4). */
export function predictiveBlock(result: TrainResult, weight: number, trainedAt: string) {
  return {
    predictive: {
      weight,
      trainedAt,
      holdoutAuc: Math.round(result.holdout.auc * 1000) / 1000,
      model: { intercept: result.intercept, coefficients: result.coefficients, encoding: result.encoding },
    },
  };
}

/**
 * `leadscore train [--json] [--keep a,b] [--out predictive.yaml]` (PRODUCT §6.4): a regularised
 * logistic regression on rule hits and profile attributes, judged on a holdout next to the
 * current rules; exits 1 with how many more outcomes are needed when there are too few.
 */
export async function trainCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, {
    json: { type: 'boolean', default: false },
    keep: { type: 'string' },
    holdout: { type: 'string' },
    seed: { type: 'string' },
    lambda: { type: 'string' },
    'min-outcomes': { type: 'string' },
    out: { type: 'string' },
    weight: { type: 'string' },
    client: { type: 'string' },
    endpoint: { type: 'string' },
    table: { type: 'string' },
  });
  const number = (flag: string, value: string | undefined, ok: (n: number) => boolean) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || !ok(n)) throw new UsageError(`--${flag} got "${value}"`);
    return n;
  };
  const holdout = number('holdout', values.holdout, (n) => n > 0 && n < 1);
  const seed = number('seed', values.seed, Number.isInteger);
  const lambda = number('lambda', values.lambda, (n) => n >= 0);
  const minOutcomes = number('min-outcomes', values['min-outcomes'], (n) => Number.isInteger(n) && n >= 2);
  const weight = number('weight', values.weight, (n) => n > 0) ?? 30;
  const keep = values.keep
    ?.split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  const log = values.json ? () => {} : (line: string) => console.error(line);
  const target = await openTarget(values, log);
  try {
    const rows = await target.app.modelRows();
    const started = performance.now();
    const result = trainPredictive(rows, ruleInfoOf(target.app.model), {
      ...(holdout !== undefined ? { holdout } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(lambda !== undefined ? { lambda } : {}),
      ...(minOutcomes !== undefined ? { minOutcomes } : {}),
      ...(keep ? { keep } : {}),
    });
    const seconds = (performance.now() - started) / 1000;
    if (result.status === 'refused') {
      if (values.json) console.log(JSON.stringify(result, null, 2));
      else console.error(result.reason);
      return 1;
    }
    const out = values.out === undefined ? undefined : resolve(values.out);
    if (out) await writeFile(out, stringify(predictiveBlock(result, weight, new Date().toISOString())));
    if (values.json) console.log(JSON.stringify({ ...result, seconds }, null, 2));
    else console.log(`${formatTraining(result, target.describe, out)}\nTrained in ${seconds.toFixed(1)} s.`);
    return 0;
  } finally {
    await target.close();
  }
}
