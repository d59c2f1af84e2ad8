import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { failureOf } from '#scripts/cli/errors.ts';
import { parseImportArgs } from '#scripts/cli/import.ts';
import { buildProgram, type CliOutput, runCli } from '#scripts/cli/program.ts';
import { UsageError } from '#scripts/cli/usage.ts';
import { ConfigError } from '#shared/config/load.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = fileURLToPath(new URL('../../scripts/leadscore.mjs', import.meta.url));
/** Spawning node with tsx takes a few seconds on a busy machine. */
const SPAWN_TIMEOUT = 90_000;

const COMMANDS = ['validate', 'simulate', 'decay', 'import', 'report', 'train', 'leads', 'demo'];
const TABLE_COMMANDS = ['decay', 'import', 'report', 'train', 'leads'];
/** A stack trace's frames, as Node prints them. */
const STACK_FRAME = /^\s+at /m;

/** Runs `leadscore <argv>` in this process, collecting what it writes. */
async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliOutput = {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
  };
  const code = await runCli(argv, io);
  return { code, out, err };
}

/** Runs the bin as an operator's shell does. */
function bin(args: string[], cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** The long flags a command declares. */
function flagsOf(name: string): string[] {
  const program = buildProgram({ out: () => {}, err: () => {} }, { exitCode: 0 });
  const command = program.commands.find((c) => c.name() === name)!;
  return command.options.map((o) => o.long!).filter((flag) => flag !== undefined);
}

describe('leadscore command line', () => {
  it.each(COMMANDS)('It should list every option of %s, with examples, in its --help', async (name) => {
    const run = await cli([name, '--help']);
    expect(run.code).toBe(0);
    expect(run.out).toContain(`Usage: leadscore ${name}`);
    expect(run.out).toContain('Examples:');
    for (const flag of [...flagsOf(name), '--client', '--json']) expect(run.out).toContain(flag);
    if (TABLE_COMMANDS.includes(name))
      for (const flag of ['--endpoint', '--table', '--data-dir']) expect(run.out).toContain(flag);
  });

  it('It should list every command in the program’s help', async () => {
    const run = await cli(['--help']);
    expect(run.code).toBe(0);
    for (const name of COMMANDS) expect(run.out).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(run.out).toContain('LEADSCORE_DEBUG=1');
  });

  it.each(COMMANDS)('It should refuse an unknown flag of %s in one line and exit 2', async (name) => {
    const run = await cli([name, '--bogus']);
    expect(run.code).toBe(2);
    expect(run.out).toBe('');
    expect(run.err).toBe(`error: unknown option '--bogus' (see leadscore ${name} --help)\n`);
  });

  it('It should exit 2 in one line for an unknown command, a missing value and a bad value', async () => {
    const unknown = await cli(['frobnicate']);
    expect(unknown).toMatchObject({
      code: 2,
      err: "error: unknown command 'frobnicate' (see leadscore --help)\n",
    });

    const missing = await cli(['simulate', '--events']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^error: option '--events <file\.ndjson>' argument missing .*\n$/);

    const bad = await cli(['decay', '--now', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(
      /^error: option '--now <time>' argument 'yesterday' is invalid\. expected an ISO 8601/,
    );
    expect(bad.err.trimEnd().split('\n')).toHaveLength(1);

    const limit = await cli(['leads', '--limit', '0']);
    expect(limit.code).toBe(2);
    expect(limit.err).toContain('expected a positive integer');
  });

  it('It should suggest the flag meant', async () => {
    const run = await cli(['decay', '--now', '2026-11-02T06:00:00Z', '--endpont', 'http://127.0.0.1:1']);
    expect(run.code).toBe(2);
    expect(run.err).toBe(
      "error: unknown option '--endpont' (Did you mean --endpoint?) (see leadscore decay --help)\n",
    );
  });

  it('It should exit 2 in one line, naming the command’s help, when a required option is missing', async () => {
    const run = await cli(['decay', '--endpoint', 'http://127.0.0.1:1']);
    expect(run).toMatchObject({
      code: 2,
      err: 'error: decay needs --now <time>, e.g. --now 2026-11-02T06:00:00Z (see leadscore decay --help)\n',
    });
  });

  it('It should print the usage and exit 2 when given no command', async () => {
    const run = await cli([]);
    expect(run.code).toBe(2);
    expect(run.err).toContain('Usage: leadscore [options] [command]');
  });

  it('It should print a configuration error in one line, pointing at validate', async () => {
    const run = await cli([
      'simulate',
      '--events',
      'test/fixtures/cli/events.ndjson',
      '--client',
      'test/fixtures/cli/broken.yaml',
    ]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(
      /^error: test\/fixtures\/cli\/broken\.yaml: model\..* \(and 2 more: leadscore validate test\/fixtures\/cli\/broken\.yaml\)\n$/,
    );
  });

  it('It should parse the import’s command line as the program does', () => {
    expect(parseImportArgs(['crm.csv', '--id-column', 'Id', '--dry-run', '--client', 'acme'])).toMatchObject({
      file: 'crm.csv',
      idColumn: 'Id',
      dryRun: true,
      json: false,
      target: { client: 'acme' },
    });
    expect(() => parseImportArgs(['crm.csv', '--bogus'])).toThrow(new UsageError("unknown option '--bogus'"));
  });
});

describe('leadscore failures', () => {
  it('It should say what to do about missing AWS credentials and region, in one line', () => {
    const credentials = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    expect(failureOf(credentials)).toEqual({
      exitCode: 1,
      line: expect.stringMatching(/^no AWS credentials/),
    });
    expect(failureOf(new Error('Region is missing'))).toEqual({
      exitCode: 1,
      line: expect.stringMatching(/^no AWS region/),
    });
  });

  it('It should name an unexpected error by its first line and say how to see the stack', () => {
    expect(failureOf(new TypeError('boom\n  more'))).toEqual({
      exitCode: 1,
      line: 'TypeError: boom (LEADSCORE_DEBUG=1 prints the stack)',
    });
    expect(failureOf(new ConfigError('clients/x.yaml', ['a: bad']))).toEqual({
      exitCode: 1,
      line: 'clients/x.yaml: a: bad',
    });
  });
});

describe('the leadscore bin', () => {
  it('It should launch from any directory and print the help', { timeout: SPAWN_TIMEOUT }, async () => {
    const run = await bin(['--help'], tmpdir());
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Usage: leadscore [options] [command]');
    for (const name of COMMANDS) expect(run.stdout).toContain(`  ${name} `);
  });

  it('It should report a DynamoDB that is not there in one line, without a stack, and exit 1', {
    timeout: SPAWN_TIMEOUT,
  }, async () => {
    const run = await bin(['decay', '--now', '2026-11-02T06:00:00Z', '--endpoint', 'http://127.0.0.1:1']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'error: cannot reach DynamoDB at http://127.0.0.1:1 (ECONNREFUSED): is it running?\n',
    );
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });
});
