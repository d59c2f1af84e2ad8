import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Command } from 'commander';
import { readStackFile } from '#local/stack-file.ts';
import { dataDirOf, PACKAGE_ROOT } from './paths.ts';
import {
  addExamples,
  CliError,
  clientOf,
  clientOption,
  integerArg,
  jsonOption,
  UsageError,
} from './usage.ts';

export interface DemoOptions {
  readonly client?: string | undefined;
  readonly dataDir?: string | undefined;
  /** The port of a running stack to use (default: the one of local-stack.json, else PORT, else 3000). */
  readonly port?: number | undefined;
  readonly json?: boolean | undefined;
}

/** A lead of the demo's closing table. */
export interface DemoLead {
  readonly rank: number;
  readonly email: string;
  readonly segment: string;
  readonly grade: string;
  readonly score: number;
  readonly topReasons: readonly string[];
}

/** What `leadscore demo --json` prints. */
export interface DemoSummary {
  /** The stack it ran against: the running one (its URL) or one it started in memory. */
  readonly stack: string;
  readonly leads: readonly DemoLead[];
  /** The outbox the notifications were written to, and their files in it. */
  readonly outbox: string | null;
  readonly notifications: readonly string[];
}

/** `leadscore demo`: its options and help. */
export function defineDemoCommand(): Command {
  const command = new Command('demo')
    .summary('simulate a month of activity against the local stack')
    .description(
      'Simulates a realistic month of activity for 20 leads (forms, page views, emails, webinars, ' +
        'demo requests) against the running npm start of the data directory, or one it starts in ' +
        'memory, then prints the ranked leads with their top reasons and the notifications sent. ' +
        'The same as npm run demo.',
    )
    .addOption(clientOption())
    .option(
      '--data-dir <dir>',
      'the data directory of the running npm start (its local-stack.json and api-key; default: LEADSCORE_DATA_DIR, else .leadscore)',
    )
    .option(
      '--port <port>',
      'the port of the running stack (default: the one npm start wrote, else PORT, else 3000)',
      integerArg((n) => n > 0 && n < 65_536, 'a port number'),
    )
    .addOption(jsonOption('the summary (the stack, the ranked leads, the notifications)'));
  return addExamples(command, ['leadscore demo', 'leadscore demo --json', 'npm start & leadscore demo']);
}

const LEAD_ROW = /^\s*(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(-?\d+(?:\.\d+)?)\s{2}(.*)$/;

/** The summary of what scripts/demo.ts printed: its stack line, leads table and notifications. */
export function parseDemoOutput(text: string): DemoSummary {
  const lines = text.split('\n');
  const stack =
    lines
      .find((line) => /^(Using the local stack at|Starting a local stack)/.test(line))
      ?.replace(/^Using the local stack at /, '')
      .replace(/^Starting a local stack in memory…$/, 'in memory') ?? 'unknown';
  const tableAt = lines.findIndex((line) => line.startsWith('Leads after a month'));
  const notifiedAt = lines.findIndex((line) => line.startsWith('Notifications sent'));
  const leads: DemoLead[] = [];
  for (const line of lines.slice(tableAt + 1, notifiedAt < 0 ? undefined : notifiedAt)) {
    const row = LEAD_ROW.exec(line);
    if (!row) continue;
    const [, rank, email, segment, grade, score, reasons] = row;
    leads.push({
      rank: Number(rank),
      email: email!,
      segment: segment!,
      grade: grade!,
      score: Number(score),
      topReasons: reasons!.trim() === '' ? [] : reasons!.trim().split('; '),
    });
  }
  const outbox = notifiedAt < 0 ? null : (/, in (.*):$/.exec(lines[notifiedAt]!)?.[1] ?? null);
  const notifications =
    notifiedAt < 0
      ? []
      : lines
          .slice(notifiedAt + 1)
          .filter((line) => line.startsWith('  '))
          .map((line) => line.trim());
  return { stack, leads, outbox, notifications };
}

/**
 * `leadscore demo` (README "Running it locally"): runs scripts/demo.ts, the story of `npm run
 * demo`, in a child process, pointed at the running stack of the data directory (found in the
 * `local-stack.json` npm start writes). With `--json`, its printed table becomes the summary.
 */
export async function demoCommand(options: DemoOptions): Promise<number> {
  const dataDir = dataDirOf(options.dataDir);
  const client = clientOf(options.client);
  const running = await readStackFile(dataDir);
  if (running && running.client !== client && options.client !== undefined)
    throw new UsageError(
      `npm start runs client ${running.client} on ${dataDir}; pass --client ${running.client}`,
    );
  const port = options.port ?? (running ? Number(new URL(running.apiUrl).port) : undefined);
  const env = {
    ...process.env,
    LEADSCORE_CLIENT: running?.client ?? client,
    LEADSCORE_DATA_DIR: dataDir,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED:
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ?? 'true',
    ...(port !== undefined ? { PORT: String(port) } : {}),
  };
  const child = spawn(process.execPath, ['--import', 'tsx', join(PACKAGE_ROOT, 'scripts', 'demo.ts')], {
    cwd: PACKAGE_ROOT,
    env,
    stdio: ['ignore', options.json ? 'pipe' : 'inherit', 'inherit'],
  });
  let printed = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    printed += chunk;
  });
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', (error) => reject(new CliError(`cannot run the demo: ${error.message}`)));
    child.on('close', (exitCode) => resolve(exitCode ?? 1));
  });
  if (code !== 0) return 1;
  if (options.json) console.log(JSON.stringify(parseDemoOutput(printed), null, 2));
  return 0;
}
