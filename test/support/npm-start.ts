/**
 * The e2e suites' shared harness: `npm start` (scripts/start.ts, in memory) as a child process on
 * a given port, its output collected, waited for until healthy, and a headless Chromium to drive it.
 * `inject('dynamoEndpoint')` stays in each test file (vitest's inject is per file): pass it in `env`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

/** The system's Chromium, headless, with {@link CHROMIUM_FLAGS}. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
}

export interface NpmStart {
  child: ChildProcess;
  /** Everything the child wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, and wait for the child to exit, if it is still running. */
  stop(): Promise<void>;
}

/** `npm start --in-memory` on `port`, with `env` over the test process's environment. */
export function startNpmStart(options: { port: number; env: Record<string, string> }): NpmStart {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', '--in-memory'], {
    env: { ...process.env, PORT: String(options.port), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Polls `${url}/health` until it answers 200. Given the stack, fails as soon as it exits, and
 * puts its output in the error.
 */
export async function waitForHealth(url: string, timeoutMs: number, stack?: NpmStart): Promise<void> {
  const output = () => stack?.output() ?? '';
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (stack && stack.child.exitCode !== null) throw new Error(`npm start exited early:\n${output()}`);
    const health = await fetch(`${url}/health`).catch(() => undefined);
    if (health?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the local stack was not healthy within ${timeoutMs} ms:\n${output()}`);
}
