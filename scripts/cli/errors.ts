import { DynamoDbLocalStartError, JavaNotFoundError } from '#local/dynamodb-local.ts';
import { ConfigError } from '#shared/config/load.ts';
import { CliError, UsageError } from './usage.ts';

/** How a command that failed ends: its exit code and the one line the operator reads. */
export interface Failure {
  readonly exitCode: 1 | 2;
  readonly line: string;
}

const DEBUG_HINT = '(LEADSCORE_DEBUG=1 prints the stack)';

const firstLine = (text: string) => text.split('\n', 1)[0]!.trim();

/**
 * The one line an error gets (PRODUCT §7.3: never a stack trace): the operator's mistakes
 * (usage: exit 2) and the problems they can fix (exit 1: a configuration, a missing table or
 * DynamoDB, Java, AWS credentials) in their words; anything else by its name and first line.
 */
export function failureOf(error: unknown): Failure {
  if (error instanceof UsageError) return { exitCode: 2, line: error.message };
  if (error instanceof CliError) return { exitCode: 1, line: error.message };
  if (error instanceof ConfigError) {
    const [first, ...more] = error.issues;
    const others = more.length > 0 ? ` (and ${more.length} more: leadscore validate ${error.source})` : '';
    return { exitCode: 1, line: `${error.source}: ${first ?? 'invalid configuration'}${others}` };
  }
  if (error instanceof JavaNotFoundError)
    return {
      exitCode: 1,
      line:
        'DynamoDB Local needs Java 17+ and `java` is not on your PATH: install a JRE, start `npm start`, ' +
        'or pass --endpoint <url> (a running DynamoDB) or --table <name> (the deployed table)',
    };
  if (error instanceof DynamoDbLocalStartError)
    return { exitCode: 1, line: `DynamoDB Local did not start: ${firstLine(error.message)} ${DEBUG_HINT}` };
  const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
  if (name === 'CredentialsProviderError')
    return {
      exitCode: 1,
      line:
        'no AWS credentials found (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO…) for the deployed table; ' +
        'without --table the CLI uses the local data directory',
    };
  if (/Region is missing/i.test(message))
    return {
      exitCode: 1,
      line: 'no AWS region for the deployed table: set AWS_REGION (or a profile with one)',
    };
  return { exitCode: 1, line: `${name}: ${firstLine(message)} ${DEBUG_HINT}` };
}

/** Whether to print the stack of a failure too (`LEADSCORE_DEBUG=1`). */
export const debugging = () => !['', '0', 'false', undefined].includes(process.env.LEADSCORE_DEBUG);
