/**
 * Names of a client's stack and resources: one source with the schema's length checks
 * (`shared/config/aws-names.ts`), so that a client name the schema accepts never makes a name
 * AWS refuses.
 */
export {
  deadLetterQueuePart,
  notificationRulePart,
  resourceName,
  secretName,
  stackNameFor,
} from '#shared/config/aws-names.ts';
