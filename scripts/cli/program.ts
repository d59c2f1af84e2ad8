import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { decayCommand, defineDecayCommand } from './decay.ts';
import { defineDemoCommand, demoCommand } from './demo.ts';
import { debugging, failureOf } from './errors.ts';
import { defineImportCommand, type ImportFlags, importOptionsOf, runImport } from './import.ts';
import { defineLeadsCommand, leadsCommand } from './leads.ts';
import { PACKAGE_ROOT } from './paths.ts';
import { defineReportCommand, reportCommand } from './report.ts';
import { defineRescoreCommand, rescoreCommand } from './rescore.ts';
import { defineSimulateCommand, simulateCommand } from './simulate.ts';
import { openTarget } from './target.ts';
import { defineTrainCommand, trainCommand } from './train.ts';
import { clientOption, oneLine } from './usage.ts';
import { defineValidateCommand, validateCommand } from './validate.ts';

/** Where the CLI writes its help and its error lines (the process's streams; a test's buffers). */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

const processOutput: CliOutput = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

const VERSION = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;

const FOOTER = `
Where decay, rescore, simulate --model, import, report, train and leads read and write, in this order:
  --endpoint <url>   a DynamoDB Local (or LEADSCORE_DYNAMODB_ENDPOINT)
  --table <name>     alone: the deployed table in AWS (the stack output TableName),
                     with the default AWS credentials and region
  else               the local data directory (--data-dir, LEADSCORE_DATA_DIR,
                     .leadscore): the running npm start (its local-stack.json), or
                     an embedded DynamoDB Local on its database

Run 'leadscore <command> --help' for a command's options and examples.
Exit codes: 0 done, 1 errors found or the command failed, 2 wrong usage.
LEADSCORE_DEBUG=1 prints the stack of a failure.`;

/**
 * The house settings of the program and each command: errors thrown rather than exiting, and
 * printed on one line with the command's help to read next.
 */
function configure(command: Command, path: string, io: CliOutput): Command {
  return command
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false })
    .configureOutput({
      writeOut: io.out,
      writeErr: io.err,
      outputError: (message, write) => write(`error: ${oneLine(message)} (see ${path} --help)\n`),
    });
}

/** What a run of the program did: the command it started and the exit code it returned. */
export interface ProgramRun {
  command?: string;
  exitCode: number;
}

/**
 * The `leadscore` program (PRODUCT §7.3): one command per task, each with its options, help
 * and examples. `run` records the command that ran and its exit code.
 */
export function buildProgram(io: CliOutput, run: ProgramRun): Command {
  const program = configure(new Command('leadscore'), 'leadscore', io)
    .description(
      'The leadscore operator CLI: validate and simulate models, run the decay, import a CRM history, ' +
        'report on and train the model, list the ranked leads, run the demo; against the local stack ' +
        'or a deployed one.',
    )
    .version(VERSION, '-V, --version')
    .enablePositionalOptions()
    .addOption(clientOption())
    .addHelpText('after', FOOTER);
  /** The options of a command, its --client defaulting to the program's. */
  const optionsOf = <T>(command: Command): T => {
    const options = command.opts();
    return { ...options, client: options.client ?? program.opts().client } as T;
  };
  const add = (command: Command, action: (command: Command) => number | Promise<number>) => {
    configure(command, `leadscore ${command.name()}`, io).action(async (...args: unknown[]) => {
      run.command = command.name();
      run.exitCode = await action(args.at(-1) as Command);
    });
    program.addCommand(command);
  };

  add(defineValidateCommand(), (c) =>
    validateCommand({ ...optionsOf(c), targets: c.processedArgs[0] as string[] }),
  );
  add(defineSimulateCommand(), (c) => simulateCommand(optionsOf(c)));
  add(defineDecayCommand(), (c) => decayCommand(optionsOf(c)));
  add(defineRescoreCommand(), (c) => rescoreCommand(optionsOf(c)));
  add(defineImportCommand(), (c) => {
    const flags = optionsOf<ImportFlags & { dataDir?: string }>(c);
    return runImport(importOptionsOf(c.processedArgs[0] as string, flags), async (target) => {
      const opened = await openTarget({ ...target, dataDir: flags.dataDir }, (line) => console.error(line));
      return { sink: opened.app, describe: opened.describe, close: () => opened.close() };
    });
  });
  add(defineReportCommand(), (c) => reportCommand(optionsOf(c)));
  add(defineTrainCommand(), (c) => trainCommand(optionsOf(c)));
  add(defineLeadsCommand(), (c) => leadsCommand(optionsOf(c)));
  add(defineDemoCommand(), (c) => demoCommand(optionsOf(c)));
  return program;
}

/**
 * Runs one command line; returns the exit code: 0 done, 1 failed or errors found, 2 wrong
 * usage. Whatever goes wrong ends in one line on stderr, never a stack trace (unless
 * `LEADSCORE_DEBUG=1`).
 */
export async function runCli(argv: readonly string[], io: CliOutput = processOutput): Promise<number> {
  const run: ProgramRun = { exitCode: 0 };
  const program = buildProgram(io, run);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return run.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version asked for: 0; a usage error (printed by configure) or a bare `leadscore`: 2.
      return error.exitCode === 0 ? 0 : 2;
    }
    const failure = failureOf(error);
    // A usage error the command found itself (a flag's value it checks): its help to read next.
    const hint =
      failure.exitCode === 2 ? ` (see leadscore${run.command ? ` ${run.command}` : ''} --help)` : '';
    io.err(`error: ${failure.line}${hint}\n`);
    if (debugging()) io.err(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return failure.exitCode;
  }
}
