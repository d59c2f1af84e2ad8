import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadClientConfig } from '#shared/config/load.ts';
import { PROJECT_ROOT } from './constructs/leadscore-function.ts';
import { stackNameFor } from './names.ts';
import { LeadscoreStack } from './stack.ts';

/** Options of {@link buildApp}; the CDK CLI passes `client` and `clientsDir` as `-c` context. */
export interface BuildAppOptions extends AppProps {
  /** One client (`clients/<client>.yaml`); default every client file. */
  readonly client?: string;
  /** Folder of client files (default the repository's `clients/`). */
  readonly clientsDir?: string;
  /** Folder holding `<function>/handler.ts` (default the repository's `functions/`). */
  readonly functionsDir?: string;
}

const CLIENT_FILE = /\.(ya?ml|json)$/;

/** Paths of every client file in `clientsDir` (YAML or JSON), the JSON schema aside. */
export function clientFiles(clientsDir: string): string[] {
  return readdirSync(clientsDir)
    .filter((file) => CLIENT_FILE.test(file) && file !== 'client.schema.json')
    .map((file) => join(clientsDir, file))
    .sort();
}

/**
 * The CDK app: one `Leadscore-<client>` stack per client file (or only `client`), every one
 * checked by cdk-nag's AwsSolutions pack, whose unacknowledged errors fail the synth. A client
 * file that does not validate throws the loader's ConfigError, listing every issue by path.
 */
export function buildApp(options: BuildAppOptions = {}): { app: App; stacks: LeadscoreStack[] } {
  const app = new App(options);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const clientsDir =
    options.clientsDir ??
    (app.node.tryGetContext('clientsDir') as string | undefined) ??
    join(PROJECT_ROOT, 'clients');
  const client = options.client ?? (app.node.tryGetContext('client') as string | undefined);
  const sources = client === undefined ? clientFiles(clientsDir) : [client];
  const stacks = sources.map((source) => {
    const config = loadClientConfig(source, clientsDir);
    return new LeadscoreStack(app, stackNameFor(config.client), {
      config,
      functionsDir: options.functionsDir,
    });
  });
  return { app, stacks };
}
