/**
 * The operator CLI (PRODUCT §7.3): `npm run leadscore -- <command>`. Validates client
 * configurations, simulates a model on an events file, runs the decay job by hand, imports a
 * CRM history, reports on the model and trains the predictive one, against the local data
 * directory or deployed tables. Exit codes: 0 done, 1 errors found or failure, 2 wrong usage.
 */
import { ConfigError } from '#shared/config/load.ts';
import { decayCommand } from './cli/decay.ts';
import { importCommand } from './cli/import.ts';
import { reportCommand } from './cli/report.ts';
import { simulateCommand } from './cli/simulate.ts';
import { openTarget } from './cli/target.ts';
import { trainCommand } from './cli/train.ts';
import { CliError, USAGE, UsageError } from './cli/usage.ts';
import { validateCommand } from './cli/validate.ts';

const COMMANDS: Record<string, (args: string[]) => number | Promise<number>> = {
  validate: validateCommand,
  simulate: simulateCommand,
  decay: decayCommand,
  import: (args) =>
    importCommand(args, async (target) => {
      const opened = await openTarget(target, (line) => console.error(line));
      return { sink: opened.app, describe: opened.describe, close: () => opened.close() };
    }),
  report: reportCommand,
  train: trainCommand,
};

/** Runs one command line; returns the exit code. */
async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    console.error(USAGE);
    return 2;
  }
  if (
    name === 'help' ||
    name === '--help' ||
    name === '-h' ||
    args.includes('--help') ||
    args.includes('-h')
  ) {
    console.log(USAGE);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`Unknown command "${name}".\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command(args);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof ConfigError || error instanceof CliError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
