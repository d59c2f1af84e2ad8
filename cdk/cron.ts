/**
 * The decay cron's translation lives with the schema that checks it (`shared/config/cron.ts`),
 * so that `leadscore validate` and synth share one source; the CDK side re-exports it.
 */
export { CronTranslationError, toSchedulerCron } from '#shared/config/cron.ts';
