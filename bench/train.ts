/**
 * `npm run bench -- train [leads=10000]`: trains the predictive model (PRODUCT §6.4) on a
 * generated CRM history with the mix of a real export (a dozen engagement and fit rules, numeric
 * columns with outliers and blanks, categoricals with dozens of levels, placeholders), λ chosen
 * by cross-validation as `leadscore train` does. Prints
 * `BENCH train leads=… columns=… seconds=… holdout_auc=… true_auc=…`.
 */
import type { ModelRow, RuleInfo } from '#shared/analytics/dataset.ts';
import { auc, mulberry32 } from '#shared/analytics/metrics.ts';
import { trainPredictive } from '#shared/analytics/train.ts';

const RULES: RuleInfo[] = [
  ...Array.from({ length: 8 }, (_, i) => ({
    ruleId: `engage-${i}`,
    kind: 'engagement' as const,
    points: 5 + i,
  })),
  ...Array.from({ length: 6 }, (_, i) => ({ ruleId: `fit-${i}`, kind: 'fit' as const, points: 10 - 4 * i })),
];

function generate(leads: number, seed: number): { rows: ModelRow[]; truth: number[] } {
  const random = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const rows: ModelRow[] = [];
  const truth: number[] = [];
  for (let i = 0; i < leads; i++) {
    const ruleHits: Record<string, number> = {};
    let eta = -1.2;
    RULES.forEach((rule, r) => {
      const fires = random() < 0.25;
      if (!fires) return;
      ruleHits[rule.ruleId] = rule.kind === 'engagement' ? 1 + Math.floor(random() * 6) : 1;
      eta += (r % 3 === 0 ? 0.6 : r % 3 === 1 ? 0.2 : -0.3) * Math.log1p(ruleHits[rule.ruleId]!);
    });
    const minutes = Math.exp(3 + gauss());
    eta += 0.5 * Math.log1p(minutes) - 1.5;
    const source = `source-${Math.floor(random() ** 2 * 40)}`;
    if (source === 'source-0') eta += 0.8;
    const profile: Record<string, string | number> = { source, country: `C${Math.floor(random() * 30)}` };
    if (random() > 0.1) profile['Time on site'] = random() < 0.01 ? minutes * 100 : minutes;
    if (random() > 0.4) profile.Specialization = `spec-${Math.floor(random() * 18)}`;
    const p = 1 / (1 + Math.exp(-eta));
    truth.push(p);
    rows.push({
      leadId: `ld_${i}`,
      score: Object.keys(ruleHits).length * 10,
      segment: 'cold',
      grade: 'C',
      label: random() < p ? 1 : 0,
      ruleHits,
      rulePoints: {},
      profile,
    });
  }
  return { rows, truth };
}

export function run(args: string[]): void {
  const leads = Number(args.find((a) => a.startsWith('leads='))?.slice(6) ?? 10_000);
  const { rows, truth } = generate(leads, 7);
  const started = performance.now();
  const result = trainPredictive(rows, RULES, { seed: 1 });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 'trained') throw new Error(result.reason);
  const trueAuc = auc(
    truth,
    rows.map((r) => r.label ?? 0),
  );
  console.log(
    `BENCH train leads=${leads} columns=${result.encoding.columns.length} seconds=${seconds.toFixed(2)} lambda=${result.lambda} holdout_auc=${result.holdout.auc.toFixed(3)} true_auc=${trueAuc?.toFixed(3)}`,
  );
}
