/**
 * `npm start` (PRODUCT §7.1): the whole product on one machine. DynamoDB Local, the local event
 * bus, the decay schedule, the local HTTP API and the demo page, running the same handlers that are
 * deployed.
 *
 * Environment: PORT (3000), LEADSCORE_CLIENT (example), LEADSCORE_DATA_DIR (.leadscore/),
 * LEADSCORE_DYNAMODB_ENDPOINT (use that DynamoDB instead of starting one), LEADSCORE_API_KEY
 * (else generated once and kept in <dataDir>/api-key). Flag: --in-memory (nothing persists).
 */
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDbLocalStartError, JavaNotFoundError } from '#local/dynamodb-local.ts';
import { PortInUseError } from '#local/http-api.ts';
import { ScheduleError } from '#local/scheduler.ts';
import { type LocalStack, LocalStackError, startLocalStack } from '#local/stack.ts';
import { ConfigError, loadClientConfig } from '#shared/config/load.ts';

const USAGE = `Usage: npm start [-- --in-memory]

Runs leadscore locally: API and demo page on http://127.0.0.1:$PORT.

  --in-memory   keep DynamoDB in memory (nothing survives a restart)
  --help        show this help

Environment: PORT (3000), LEADSCORE_CLIENT (example), LEADSCORE_DATA_DIR (.leadscore/),
LEADSCORE_DYNAMODB_ENDPOINT, LEADSCORE_API_KEY, LEADSCORE_SLACK_WEBHOOK_URL, LEADSCORE_SMTP_URL.`;

const PARENT_CHECK_MS = 1_000;

// The SDK's warning about the Node versions it will need in 2027 is about the deployed runtime
// (the newest Lambda Node.js), not this machine's: it would only be noise in every local run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** A problem the user can fix; printed without a stack trace. */
class StartError extends Error {
  override name = 'StartError';
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function parsePort(text: string | undefined): number {
  if (text === undefined || text === '') return 3000;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new StartError(`PORT must be a port number (0-65535), got "${text}"`);
  }
  return port;
}

/** The file `loadClientConfig(name)` reads: a path as given, else clients/<name>.yaml|.yml|.json. */
function clientConfigPath(nameOrPath: string): string {
  if (/[/\\]|\.(ya?ml|json)$/.test(nameOrPath)) return nameOrPath;
  const found = ['.yaml', '.yml', '.json']
    .map((ext) => join('clients', `${nameOrPath}${ext}`))
    .find(existsSync);
  return found ?? join('clients', `${nameOrPath}.yaml`);
}

/** One line for the errors a user can fix; undefined for bugs (printed with their stack). */
function friendlyMessage(error: unknown, port: number): string | undefined {
  if (error instanceof JavaNotFoundError) {
    return (
      'DynamoDB Local needs Java 17+, and `java` is not on your PATH. Install a JRE ' +
      '(e.g. `apt-get install openjdk-17-jre-headless` or `brew install openjdk@17`), ' +
      'or set LEADSCORE_DYNAMODB_ENDPOINT to a running DynamoDB.'
    );
  }
  if (error instanceof PortInUseError) return `port ${port} is in use; set PORT=... to use another one`;
  if (
    error instanceof ConfigError ||
    error instanceof StartError ||
    error instanceof LocalStackError ||
    error instanceof DynamoDbLocalStartError ||
    error instanceof ScheduleError
  ) {
    return error.message;
  }
  return undefined;
}

function printReady(stack: LocalStack, startedAt: number, dataDir: string, inMemory: boolean): void {
  const near = relative(process.cwd(), dataDir);
  const where = near === '' ? '.' : near.startsWith('..') ? dataDir : near;
  const keyNote =
    stack.apiKeySource === 'environment' ? '(from LEADSCORE_API_KEY)' : `(kept in ${join(where, 'api-key')})`;
  console.log(`\nReady in ${formatDuration(performance.now() - startedAt)}`);
  console.log(`  Demo page  ${stack.urls.page}`);
  console.log(`  Leads      ${stack.urls.leads}`);
  console.log(`  API        ${stack.urls.api}`);
  console.log(`  Health     ${stack.urls.health}`);
  console.log(`  API key    ${stack.apiKey}  ${keyNote}`);
  console.log(`  Outbox     ${join(where, 'outbox')}   Dead letters  ${join(where, 'dead-letter.jsonl')}`);
  console.log(`  Data       ${inMemory ? 'in memory (lost on exit)' : join(where, 'dynamodb')}`);
  console.log('Press Ctrl-C to stop.\n');
}

/**
 * Stops the stack on Ctrl-C, SIGTERM or SIGHUP, and when the parent process goes away (`npm start`
 * killed with SIGTERM does not pass the signal on): no DynamoDB Local is left behind. A second
 * signal exits at once.
 */
function stopOnSignals(stack: LocalStack): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals | 'parent exit') => {
    if (stopping) {
      console.error(`\n${signal} again: exiting without a clean shutdown`);
      process.exit(1);
    }
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    const started = performance.now();
    stack.stop().then(
      () => {
        console.log(`Stopped in ${formatDuration(performance.now() - started)}.`);
        process.exit(0);
      },
      (error: unknown) => {
        console.error('Shutdown failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent && !stopping) onSignal('parent exit');
  }, PARENT_CHECK_MS).unref();
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const { values } = parseArgs({
    options: { 'in-memory': { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const env = process.env;
  let port = 3000;
  try {
    port = parsePort(env.PORT);
    const clientName = env.LEADSCORE_CLIENT || 'example';
    const configPath = clientConfigPath(clientName);
    const config = loadClientConfig(clientName);
    const dataDir = env.LEADSCORE_DATA_DIR || '.leadscore';
    const inMemory = values['in-memory'] === true;
    console.log(
      `leadscore: starting client ${config.client} (${config.displayName}), model ${config.model.version}`,
    );

    const stack = await startLocalStack({
      config,
      configPath,
      port,
      dataDir,
      inMemory,
      dynamoEndpoint: env.LEADSCORE_DYNAMODB_ENDPOINT || undefined,
      apiKey: env.LEADSCORE_API_KEY || undefined,
      env,
      onStep: (label, ms) => console.log(`✓ ${label} (${formatDuration(ms)})`),
      log: (line) => console.log(line),
    });
    stopOnSignals(stack);
    printReady(stack, startedAt, resolve(dataDir), inMemory);
  } catch (error) {
    const message = friendlyMessage(error, port);
    console.error(message ? `✗ ${message}` : error);
    process.exit(1);
  }
}

process.on('unhandledRejection', (reason) => {
  console.error('Unhandled rejection (the server keeps running):', reason);
});

await main();
