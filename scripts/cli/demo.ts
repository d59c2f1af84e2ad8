import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { type LocalStack, startLocalStack } from '#local/stack.ts';
import { readStackFile } from '#local/stack-file.ts';
import { loadClientConfig } from '#shared/config/load.ts';
import { type DemoOutcome, type DemoTarget, demoReport, playDemo } from './demo-story.ts';
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

/** What `leadscore demo --json` prints. */
export interface DemoSummary extends DemoOutcome {
  /** The stack it ran against: the running one (its URL) or `in memory`, one it started. */
  readonly stack: string;
  /** The outbox the notifications were written to. */
  readonly outbox: string;
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

async function isRunning(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`)).ok;
  } catch {
    return false;
  }
}

/**
 * `leadscore demo` (README "Running it locally"): the story of scripts/cli/demo-story.ts played
 * against the running stack of the data directory (found in the `local-stack.json` npm start
 * writes, else on `--port`, `PORT` or 3000), or against one started here in memory.
 */
export async function demoCommand(options: DemoOptions): Promise<number> {
  const dataDir = dataDirOf(options.dataDir);
  const client = clientOf(options.client);
  const running = await readStackFile(dataDir);
  if (running && running.client !== client && options.client !== undefined)
    throw new UsageError(
      `npm start runs client ${running.client} on ${dataDir}; pass --client ${running.client}`,
    );
  const port =
    options.port ?? (running ? Number(new URL(running.apiUrl).port) : Number(process.env.PORT ?? 3000));
  const say = (line: string) => {
    if (!options.json) console.log(line);
  };
  const runningUrl = `http://127.0.0.1:${port}`;
  let stack: LocalStack | undefined;
  let summary: DemoSummary;
  try {
    let target: DemoTarget;
    if (await isRunning(runningUrl)) {
      say(`Using the local stack at ${runningUrl}\n`);
      target = {
        baseUrl: runningUrl,
        apiKey: process.env.LEADSCORE_API_KEY ?? (await apiKeyOf(dataDir)),
        outboxDir: join(dataDir, 'outbox'),
      };
    } else {
      say('Starting a local stack in memory…\n');
      // The functions run in this process and log to its stdout: their INFO lines would bury the
      // table (warnings and errors still show), and with --json nothing but the summary is printed.
      process.env.POWERTOOLS_LOG_LEVEL ??= options.json ? 'SILENT' : 'WARN';
      const config = loadClientConfig(running?.client ?? client);
      const demoDir = join(dataDir, 'demo');
      stack = await startLocalStack({
        config,
        configPath: join(PACKAGE_ROOT, 'clients', `${config.client}.yaml`),
        port: 0,
        dataDir: demoDir,
        inMemory: true,
        ...(process.env.LEADSCORE_API_KEY ? { apiKey: process.env.LEADSCORE_API_KEY } : {}),
        log: () => {},
      });
      const started = stack;
      target = {
        baseUrl: started.urls.page.replace(/\/$/, ''),
        apiKey: started.apiKey,
        outboxDir: join(demoDir, 'outbox'),
        whenIdle: () => started.bus.whenIdle(),
      };
    }
    const outcome = await playDemo(target);
    summary = { stack: stack ? 'in memory' : runningUrl, outbox: target.outboxDir, ...outcome };
  } finally {
    await stack?.stop();
  }
  if (options.json) console.log(JSON.stringify(summary, null, 2));
  else console.log(demoReport(summary, summary.outbox));
  return 0;
}

async function apiKeyOf(dataDir: string): Promise<string> {
  try {
    return (await readFile(join(dataDir, 'api-key'), 'utf8')).trim();
  } catch {
    throw new CliError(
      `the stack answers but ${join(dataDir, 'api-key')} is missing: pass --data-dir of that npm start, or set LEADSCORE_API_KEY`,
    );
  }
}
