/**
 * The operator CLI (PRODUCT §7.3): `leadscore <command>` (the bin, scripts/leadscore.mjs) or
 * `npm run leadscore -- <command>`. The program and its commands: scripts/cli/program.ts.
 */
import { runCli } from './cli/program.ts';

// The SDK's warning about Node versions of 2027 is for the deployed functions, not the operator.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// `leadscore leads | head`: a closed pipe ends the output, not with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
