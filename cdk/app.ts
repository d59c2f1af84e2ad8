/**
 * CDK entry (`cdk.json`): `npx cdk synth -c client=example` builds `Leadscore-example` from
 * `clients/example.yaml`; without `-c client`, one stack per client file. A bad client file
 * stops the synth with every configuration error listed by path.
 */
import { ConfigError } from '#shared/config/load.ts';
import { buildApp } from './build-app.ts';
import { CronTranslationError } from './cron.ts';

try {
  buildApp().app.synth();
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof CronTranslationError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
