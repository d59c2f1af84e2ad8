import { Command } from 'commander';
import type { DecayReport } from '#shared/app/decay.ts';
import { type TargetOptions, withTarget } from './target.ts';
import { addExamples, addTargetOptions, clientOption, isoTimeArg, jsonOption, UsageError } from './usage.ts';

export interface DecayCommandOptions extends TargetOptions {
  /** The instant the job runs for (ms); required. */
  readonly now?: number | undefined;
  readonly json?: boolean | undefined;
}

/** `leadscore decay --now <time>`: its options and help. */
export function defineDecayCommand(): Command {
  const command = new Command('decay')
    .summary('run the decay job for an instant')
    .description(
      'Runs the decay job once for that instant (PRODUCT §5.3) and prints what it did: the leads whose ' +
        'segment or thresholds changed. Safe to run twice. The events of the leads that changed are ' +
        "stored with them; the table's stream carries them to the bus (locally: the relay of npm start). " +
        'Exits 1 when a lead failed (it stays due: the next run retries it).',
    )
    .option(
      '--now <time>',
      'required: the ISO 8601 instant to decay to, e.g. 2026-11-02T06:00:00Z',
      isoTimeArg,
    )
    .addOption(clientOption())
    .addOption(jsonOption('the run (days, items read and written, changed leads, failures)'));
  addTargetOptions(command);
  return addExamples(command, [
    'leadscore decay --now 2026-12-24T06:00:00Z                  # the running npm start',
    'leadscore decay --now 2026-12-24T06:00:00Z --json',
    'leadscore decay --now 2026-12-24T06:00:00Z --client acme --table leadscore-acme   # deployed',
  ]);
}

/** The summary an operator reads after a run. */
export function formatDecayReport(report: DecayReport, where: string, client: string): string {
  const first = report.days[0] ?? '-';
  const last = report.days.at(-1) ?? '-';
  const lines = [
    `Decay at ${report.now} on ${where} (client ${client})`,
    `Days scanned: ${report.days.length} (${first === last ? first : `${first} … ${last}`})`,
    `Items read: ${report.itemsRead}, written: ${report.itemsWritten}`,
    `Changed leads: ${report.changed.length}`,
    ...report.changed.map((c) => {
      const crossings = c.crossings.length > 0 ? `  (${c.crossings.join(', ')})` : '';
      return `  ${c.leadId}  ${c.from ?? 'none'} → ${c.to}${crossings}`;
    }),
    `Events emitted: ${report.eventsEmitted} (stored with the leads; the table's stream puts them on the bus)`,
    ...report.failed.map((f) => `  failed: ${f.leadId}: ${f.error} (still due: the next run retries it)`),
  ];
  if (!report.complete) lines.push('Stopped before the end: run again to finish.');
  return lines.join('\n');
}

/**
 * `leadscore decay --now <ISO> ...`: runs the decay job once for that instant (PRODUCT §5.3) on
 * the target (scripts/cli/target.ts), as the scheduled function does.
 */
export async function decayCommand(options: DecayCommandOptions): Promise<number> {
  const { now } = options;
  if (now === undefined) throw new UsageError('decay needs --now <time>, e.g. --now 2026-11-02T06:00:00Z');
  const log = options.json ? () => {} : (line: string) => console.error(line);
  return withTarget(options, log, async (target) => {
    const report = await target.app.decay(now);
    const client = target.app.config.client;
    if (options.json) console.log(JSON.stringify({ target: target.describe, client, ...report }, null, 2));
    else console.log(formatDecayReport(report, target.describe, client));
    return report.failed.length > 0 ? 1 : 0;
  });
}
