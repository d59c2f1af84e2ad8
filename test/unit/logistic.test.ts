import { describe, expect, it } from 'vitest';
import { designMatrix, fitLogistic, sigmoid } from '#shared/analytics/logistic.ts';
import { mulberry32 } from '#shared/analytics/metrics.ts';

/*
 * The regression behind predictive scoring, checked against answers known in advance: the
 * coefficients data were generated from, a closed-form maximum-likelihood case, and the
 * optimality conditions of the penalised fit.
 */

/** Standard normal draws (Box–Muller) from a seeded PRNG. */
function normals(seed: number): () => number {
  const random = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Rows of standard normal features and 0/1 labels drawn from the logistic model (intercept, coefficients). */
function generate(rows: number, intercept: number, coefficients: readonly number[], seed: number) {
  const normal = normals(seed);
  const random = mulberry32(seed + 1);
  const x: Float64Array[] = [];
  const y: number[] = [];
  for (let i = 0; i < rows; i++) {
    const row = Float64Array.from(coefficients, () => normal());
    const eta = coefficients.reduce((sum, beta, j) => sum + beta * row[j]!, intercept);
    x.push(row);
    y.push(random() < sigmoid(eta) ? 1 : 0);
  }
  return { x: designMatrix(x, coefficients.length), y };
}

describe('logistic regression (IRLS)', () => {
  it('It should recover the coefficients 20,000 generated leads were drawn from', () => {
    const truth = { intercept: -0.5, coefficients: [1, -2, 0.5, 0, 1.5] };
    const { x, y } = generate(20_000, truth.intercept, truth.coefficients, 7);

    const fit = fitLogistic(x, y, { lambda: 1e-6 });

    expect(fit.converged).toBe(true);
    expect(fit.iterations).toBeLessThan(15);
    expect(fit.intercept).toBeCloseTo(truth.intercept, 1);
    fit.coefficients.forEach((beta, j) => {
      expect(Math.abs(beta - truth.coefficients[j]!)).toBeLessThan(0.08);
    });
  });

  it('It should give the closed-form maximum likelihood of one yes/no feature', () => {
    // 100 leads without the trait, 30 converted; 80 with it, 60 converted. Unpenalised, the
    // fitted rates are the observed ones: intercept logit(0.3), slope logit(0.75) − logit(0.3).
    const rows = [
      ...Array.from({ length: 100 }, (_, i) => ({ x: 0, y: i < 30 ? 1 : 0 })),
      ...Array.from({ length: 80 }, (_, i) => ({ x: 1, y: i < 60 ? 1 : 0 })),
    ];
    const logit = (p: number) => Math.log(p / (1 - p));

    const fit = fitLogistic(
      designMatrix(
        rows.map((row) => [row.x]),
        1,
      ),
      rows.map((row) => row.y),
      { lambda: 0 },
    );

    expect(fit.intercept).toBeCloseTo(logit(0.3), 9);
    expect(fit.coefficients[0]).toBeCloseTo(logit(0.75) - logit(0.3), 9);
  });

  it('It should meet the optimality conditions of the penalised fit, leaving the intercept unpenalised', () => {
    const lambda = 25;
    const { x, y } = generate(2_000, 0.8, [0.7, -1.2, 0.3], 11);

    const fit = fitLogistic(x, y, { lambda });

    // Gradient zero: Σ(y − μ) = 0 for the intercept, Σ(y − μ)·xⱼ = λ·βⱼ for each coefficient.
    const residualSums = new Float64Array(x.columns + 1);
    for (let row = 0; row < x.rows; row++) {
      let eta = fit.intercept;
      for (let k = x.rowStart[row]!; k < x.rowStart[row + 1]!; k++) {
        eta += x.values[k]! * fit.coefficients[x.indices[k]!]!;
      }
      const residual = y[row]! - sigmoid(eta);
      residualSums[0]! += residual;
      for (let k = x.rowStart[row]!; k < x.rowStart[row + 1]!; k++) {
        residualSums[x.indices[k]! + 1]! += residual * x.values[k]!;
      }
    }
    expect(Math.abs(residualSums[0]!)).toBeLessThan(1e-8);
    fit.coefficients.forEach((beta, j) => {
      expect(residualSums[j + 1]! - lambda * beta).toBeCloseTo(0, 8);
    });
  });

  it('It should shrink coefficients towards 0 and leave the intercept at the base rate as the penalty grows', () => {
    const { x, y } = generate(1_000, 0.4, [1, -1], 3);
    const rate = y.reduce((sum, label) => sum + label, 0) / y.length;

    const weak = fitLogistic(x, y, { lambda: 0.01 });
    const strong = fitLogistic(x, y, { lambda: 1e7 });

    expect(Math.abs(strong.coefficients[0]!)).toBeLessThan(1e-3);
    expect(Math.abs(strong.coefficients[0]!)).toBeLessThan(Math.abs(weak.coefficients[0]!) / 100);
    expect(sigmoid(strong.intercept)).toBeCloseTo(rate, 3);
  });

  it('It should converge to finite coefficients on perfectly separable leads when penalised', () => {
    const values = Array.from({ length: 200 }, (_, i) => (i - 99.5) / 50);
    const fit = fitLogistic(
      designMatrix(
        values.map((value) => [value]),
        1,
      ),
      values.map((value) => (value > 0 ? 1 : 0)),
      { lambda: 1 },
    );

    expect(fit.converged).toBe(true);
    expect(Number.isFinite(fit.coefficients[0])).toBe(true);
    expect(fit.coefficients[0]).toBeGreaterThan(3);
  });

  it('It should give the same fit on every run, and fit a subset of rows as if it were the whole matrix', () => {
    const { x, y } = generate(3_000, 0, [0.5, 0.5, -0.5], 5);
    const firstHalf = Array.from({ length: 1_500 }, (_, i) => i);

    const once = fitLogistic(x, y, { lambda: 1 });
    const again = fitLogistic(x, y, { lambda: 1 });
    const subset = fitLogistic(x, y, { lambda: 1, rows: firstHalf });
    const direct = fitLogistic(
      designMatrix(
        firstHalf.map((row) => {
          const dense = new Float64Array(3);
          for (let k = x.rowStart[row]!; k < x.rowStart[row + 1]!; k++) {
            dense[x.indices[k]!] = x.values[k]!;
          }
          return dense;
        }),
        3,
      ),
      y.slice(0, 1_500),
      { lambda: 1 },
    );

    expect(again).toEqual(once);
    expect(subset.intercept).toBeCloseTo(direct.intercept, 10);
    subset.coefficients.forEach((beta, j) => {
      expect(beta).toBeCloseTo(direct.coefficients[j]!, 10);
    });
  });

  it('It should train 10,000 leads × 150 features in a few seconds (time logged, not asserted)', () => {
    const normal = normals(21);
    const random = mulberry32(22);
    const truth = Array.from({ length: 150 }, (_, j) => (j % 3 === 0 ? 0 : 0.6 * normal()) / Math.sqrt(10));
    // Realistic CRM shape: 10 numeric columns, the rest one-hot levels of 14 categorical fields.
    const sparseRows: Float64Array[] = [];
    const denseRows: Float64Array[] = [];
    const y: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      const sparse = new Float64Array(150);
      for (let j = 0; j < 10; j++) sparse[j] = normal();
      for (let field = 0; field < 14; field++) sparse[10 + field * 10 + Math.floor(random() * 10)] = 1;
      sparseRows.push(sparse);
      denseRows.push(Float64Array.from(truth, () => normal()));
      const eta = truth.reduce((sum, beta, j) => sum + beta * sparse[j]!, -0.5);
      y.push(random() < sigmoid(eta) ? 1 : 0);
    }
    const sparse = designMatrix(sparseRows, 150);
    const dense = designMatrix(denseRows, 150);

    let started = performance.now();
    const sparseFit = fitLogistic(sparse, y, { lambda: 1 });
    const sparseMs = performance.now() - started;
    started = performance.now();
    const denseFit = fitLogistic(dense, y, { lambda: 1 });
    const denseMs = performance.now() - started;
    console.info(
      `IRLS 10,000 × 150: one-hot mix ${sparseMs.toFixed(0)} ms (${sparseFit.iterations} steps), ` +
        `fully dense ${denseMs.toFixed(0)} ms (${denseFit.iterations} steps)`,
    );

    expect(sparseFit.converged).toBe(true);
    expect(denseFit.converged).toBe(true);
  });
});
