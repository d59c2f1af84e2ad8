import * as z from 'zod';
import type { Leadscore } from './leadscore.ts';

/**
 * What one invocation of the deployed rescore job takes (PRODUCT §6.5): one scan segment of
 * `segments`. The rescore state machine (cdk/constructs/rescore-job.ts) runs one such invocation
 * per segment in parallel and invokes a segment again until it is finished; the checkpoints
 * (per model version and segment) carry it from one invocation to the next.
 */
export const rescoreJobInputSchema = z
  .object({
    segments: z.number().int().min(1).max(1000),
    segment: z.number().int().min(0),
    maxWcuPerSecond: z.number().positive().optional(),
    notify: z.boolean().optional(),
  })
  .refine((input) => input.segment < input.segments, {
    path: ['segment'],
    message: 'must be below segments',
  });

export type RescoreJobInput = z.infer<typeof rescoreJobInputSchema>;

/** What an invocation answers: the state machine loops on `finished`, and reports the rest. */
export interface RescoreJobResult {
  readonly segment: number;
  readonly segments: number;
  readonly modelVersion: string;
  /** The segment reached its end (its checkpoint says so): no further invocation is needed. */
  readonly finished: boolean;
  readonly leads: number;
  readonly rescored: number;
  readonly changed: number;
  readonly wcu: number;
  /** Leads that failed in this invocation (skipped; `leadscore rescore --restart` retries them). */
  readonly failed: readonly { leadId: string; error: string }[];
}

/**
 * One invocation of the deployed rescore: the segment's share of `Leadscore.rescore` (the use case
 * `leadscore rescore` runs on a laptop), stopped while `keepGoing` holds so it checkpoints within
 * the function's timeout. The write budget is the job's: split evenly over the segments.
 */
export async function runRescoreJobStep(
  app: Leadscore,
  input: RescoreJobInput,
  now: number,
  keepGoing: () => boolean,
): Promise<RescoreJobResult> {
  const report = await app.rescore(now, {
    segments: input.segments,
    only: [input.segment],
    keepGoing,
    ...(input.maxWcuPerSecond !== undefined
      ? { maxWcuPerSecond: input.maxWcuPerSecond / input.segments }
      : {}),
    ...(input.notify !== undefined ? { notify: input.notify } : {}),
  });
  return {
    segment: input.segment,
    segments: input.segments,
    modelVersion: report.modelVersion,
    finished: !report.interrupted,
    leads: report.leads,
    rescored: report.rescored,
    changed: report.changedCount,
    wcu: Math.round(report.wcu * 10) / 10,
    failed: report.failed.slice(0, 20),
  };
}
