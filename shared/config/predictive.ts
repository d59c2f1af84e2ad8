import * as z from 'zod';

/**
 * The feature columns of a trained predictive model (PRODUCT §6.4), as `leadscore train --out`
 * writes them: the schema of `FeatureEncoding` in shared/analytics/features.ts.
 */
const featureColumnSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('rule'),
      name: z.string(),
      ruleId: z.string(),
      transform: z.enum(['indicator', 'log1p']),
    })
    .strict(),
  z
    .object({
      kind: z.literal('numeric'),
      name: z.string(),
      field: z.string(),
      low: z.number(),
      high: z.number(),
      mean: z.number(),
      sd: z.number().positive(),
    })
    .strict(),
  z
    .object({ kind: z.literal('missing'), name: z.string(), field: z.string(), numeric: z.boolean() })
    .strict(),
  z.object({ kind: z.literal('level'), name: z.string(), field: z.string(), value: z.string() }).strict(),
  z
    .object({ kind: z.literal('other'), name: z.string(), field: z.string(), levels: z.array(z.string()) })
    .strict(),
]);

export const predictiveSchema = z
  .object({
    weight: z
      .number()
      .positive()
      .max(1000)
      .describe('Points the blend adds at a predicted probability of 1: the score gains weight × p.'),
    trainedAt: z.string().optional().describe('When `leadscore train` fitted the model (informational).'),
    holdoutAuc: z.number().min(0).max(1).optional().describe('Its holdout AUC then (informational).'),
    model: z
      .object({
        intercept: z.number().describe('Log-odds of a lead whose features are all 0.'),
        coefficients: z.array(z.number()).describe('Log-odds per unit of each encoding column, in order.'),
        encoding: z
          .object({
            version: z.literal(1).describe('Encoding format version.'),
            columns: z
              .array(featureColumnSchema)
              .describe('Feature columns: rule hits, scaled numbers, levels, <other> and <missing>.'),
          })
          .strict()
          .describe('How a lead becomes the feature vector (fitted on the training leads).'),
      })
      .strict()
      .refine((m) => m.coefficients.length === m.encoding.columns.length, {
        message: 'one coefficient per encoding column',
        path: ['coefficients'],
      })
      .describe('The fitted logistic regression, as written by `leadscore train --out`.'),
  })
  .strict();

export type PredictiveConfig = z.infer<typeof predictiveSchema>;
