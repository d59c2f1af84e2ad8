import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { stringify } from 'yaml';
import {
  DEFAULT_HOLDOUT,
  DEFAULT_MIN_OUTCOMES,
  type TrainResult,
  trainPredictive,
} from '#shared/analytics/train.ts';
import { ruleInfoOf } from '#shared/app/model-data.ts';
import { type TargetOptions, withTarget } from './target.ts';
import {
  addExamples,
  addTargetOptions,
  clientOption,
  integerArg,
  jsonOption,
  listArg,
  numberArg,
} from './usage.ts';

/** The blend's points at probability 1 when `--weight` is not given. */
const DEFAULT_WEIGHT = 30;

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

export interface TrainOptions extends TargetOptions {
  readonly json?: boolean | undefined;
  /** Attributes to train on although the leakage guard would leave them out. */
  readonly keep?: readonly string[] | undefined;
  readonly holdout?: number | undefined;
  readonly seed?: number | undefined;
  readonly lambda?: number | undefined;
  readonly minOutcomes?: number | undefined;
  /** The file to write the model.predictive block to. */
  readonly out?: string | undefined;
  /** The blend's points at probability 1 (default DEFAULT_WEIGHT). */
  readonly weight?: number | undefined;
}

/** `leadscore train`: its options and help. */
export function defineTrainCommand(): Command {
  const command = new Command('train')
    .summary('train the predictive model on the outcomes')
    .description(
      'Trains a regularised logistic regression on rule hits and profile attributes (PRODUCT §6.4) and ' +
        'judges it on a holdout next to the current rules; suggests points for the rules; leaves out ' +
        'attributes that leak the outcome (filled in by sales) unless --keep names them. Refuses (exit 1), ' +
        'saying how many more outcomes are needed, with fewer than --min-outcomes of a class.',
    )
    .option(
      '--keep <field,...>',
      'attributes to train on although the leakage guard leaves them out',
      listArg,
    )
    .option(
      '--holdout <share>',
      'the share held out to judge the model',
      numberArg((n) => n > 0 && n < 1, 'a number between 0 and 1'),
      DEFAULT_HOLDOUT,
    )
    .option(
      '--seed <n>',
      'the seed of the holdout split, the folds and the bootstrap (default: 1)',
      integerArg(() => true, 'an integer'),
    )
    .option(
      '--lambda <l>',
      'the L2 penalty (default: chosen by 5-fold cross-validation)',
      numberArg((n) => n >= 0, 'a number ≥ 0'),
    )
    .option(
      '--min-outcomes <n>',
      'converted and lost leads needed of each',
      integerArg((n) => n >= 2, 'an integer ≥ 2'),
      DEFAULT_MIN_OUTCOMES,
    )
    .option(
      '--out <predictive.yaml>',
      'write the model.predictive block that blends the model into the score',
    )
    .option(
      '--weight <points>',
      "the blend's points at probability 1 (with --out)",
      numberArg((n) => n > 0, 'a positive number'),
      DEFAULT_WEIGHT,
    )
    .addOption(clientOption())
    .addOption(jsonOption('the model, its holdout figures and warnings (or the refusal)'));
  addTargetOptions(command);
  return addExamples(command, [
    'leadscore train',
    'leadscore train --json',
    'leadscore train --keep "Lead Quality"',
    'leadscore train --out predictive.yaml --weight 25',
  ]);
}

/**
 * `leadscore train [--json] [--keep a,b] [--out predictive.yaml]` (PRODUCT §6.4): a regularised
 * logistic regression on rule hits and profile attributes, judged on a holdout next to the
 * current rules; exits 1 with how many more outcomes are needed when there are too few.
 */
export async function trainCommand(options: TrainOptions): Promise<number> {
  const log = options.json ? () => {} : (line: string) => console.error(line);
  return withTarget(options, log, async (target) => {
    const rows = await target.app.modelRows();
    const started = performance.now();
    const result = trainPredictive(rows, ruleInfoOf(target.app.model), {
      ...(options.holdout !== undefined ? { holdout: options.holdout } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.lambda !== undefined ? { lambda: options.lambda } : {}),
      ...(options.minOutcomes !== undefined ? { minOutcomes: options.minOutcomes } : {}),
      ...(options.keep ? { keep: options.keep } : {}),
    });
    const seconds = (performance.now() - started) / 1000;
    if (result.status === 'refused') {
      if (options.json) console.log(JSON.stringify(result, null, 2));
      else console.error(result.reason);
      return 1;
    }
    const out = options.out === undefined ? undefined : resolve(options.out);
    if (out)
      await writeFile(
        out,
        stringify(predictiveBlock(result, options.weight ?? DEFAULT_WEIGHT, new Date().toISOString())),
      );
    if (options.json) console.log(JSON.stringify({ ...result, seconds }, null, 2));
    else console.log(`${formatTraining(result, target.describe, out)}\nTrained in ${seconds.toFixed(1)} s.`);
    return 0;
  });
}
