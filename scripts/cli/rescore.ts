import { Command } from 'commander';
import type { RescoreReport } from '#shared/app/rescore.ts';
import { type TargetOptions, withTarget } from './target.ts';
import { addExamples, addTargetOptions, clientOption, integerArg, jsonOption, numberArg } from './usage.ts';

export interface RescoreCommandOptions extends TargetOptions {
  readonly maxWcuPerS?: number | undefined;
  readonly segments: number;
  readonly notify?: boolean | undefined;
  readonly restart?: boolean | undefined;
  readonly json?: boolean | undefined;
}

/** `leadscore rescore`: its options and help. */
export function defineRescoreCommand(): Command {
  const command = new Command('rescore')
    .summary('apply the configured model version to every lead')
    .description(
      'Refolds every lead from its stored events under the configured model (PRODUCT §6.5), in parallel ' +
        'over DynamoDB scan segments, within a write budget. Resumable: each segment saves its place after ' +
        'every page, so a run cut short goes on where it stopped; a finished run finds nothing left. Leads ' +
        'whose state does not change are not written. Changes are flagged on the lead and alert nobody ' +
        'unless --notify (then they go out as events with cause "rescore").',
    )
    .option(
      '--max-wcu-per-s <n>',
      'write budget: write capacity units per second (default: no limit)',
      numberArg((n) => n > 0, 'a positive number'),
    )
    .option(
      '--segments <n>',
      'parallel scan segments',
      integerArg((n) => n >= 1 && n <= 1000, 'an integer 1–1000'),
      4,
    )
    .option('--notify', 'publish the changes (threshold and segment events, cause "rescore")')
    .option('--restart', 'ignore a saved checkpoint and scan every lead again (still writes only changes)')
    .addOption(clientOption())
    .addOption(jsonOption('the run: leads read, rescored, changed, write units, failures'));
  addTargetOptions(command);
  return addExamples(command, [
    'leadscore rescore',
    'leadscore rescore --max-wcu-per-s 200 --segments 8',
    'leadscore rescore --table leadscore-acme --notify',
  ]);
}

/** What an operator reads after a rescore. */
export function formatRescore(report: RescoreReport, where: string): string {
  const lines = [
    `Rescore to model ${report.modelVersion} on ${where} (${report.segments} segments${report.resumed ? ', resumed' : ''})`,
    `Leads read: ${report.leads}, rescored: ${report.rescored}, unchanged: ${report.unchanged}; score, segment or grade changed: ${report.changedCount}`,
    `Write units: ${report.wcu.toFixed(0)} in ${report.seconds.toFixed(1)} s; events emitted: ${report.eventsEmitted}`,
    ...report.changes
      .slice(0, 20)
      .map((c) => `  ${c.leadId}  ${c.fromScore} → ${c.toScore}  ${c.fromSegment} → ${c.toSegment}`),
    ...report.failed.map((f) => `  failed: ${f.leadId}: ${f.error}`),
  ];
  if (report.changedCount > 20) lines.push(`  … and ${report.changedCount - 20} more`);
  lines.push(
    report.complete ? 'Complete: a re-run finds nothing left.' : 'Not complete: run again to go on.',
  );
  return lines.join('\n');
}

/** `leadscore rescore [...]`: exit 0 when complete, 1 when a lead failed or it stopped early. */
export async function rescoreCommand(options: RescoreCommandOptions): Promise<number> {
  const log = options.json ? () => {} : (line: string) => console.error(line);
  return withTarget(options, log, async (target) => {
    const tty = !options.json && process.stderr.isTTY;
    const report = await target.app.rescore(Date.now(), {
      segments: options.segments,
      ...(options.maxWcuPerS !== undefined ? { maxWcuPerSecond: options.maxWcuPerS } : {}),
      notify: options.notify === true,
      restart: options.restart === true,
      ...(tty
        ? {
            onProgress: (p) =>
              process.stderr.write(
                `\r${p.leads} leads read, ${p.changed} changed, ${p.segmentsDone}/${p.segments} segments done`,
              ),
          }
        : {}),
    });
    if (tty) process.stderr.write('\n');
    console.log(options.json ? JSON.stringify(report, null, 2) : formatRescore(report, target.describe));
    return report.complete ? 0 : 1;
  });
}
