/**
 * The physical names of a client's stack, and the AWS limit each must fit. Every name carries the
 * client, so that any number of clients share one account without a collision; the schema checks
 * the client name against these limits (so `leadscore validate` and synth agree, and synth never
 * meets a name AWS would refuse), and the CDK constructs build their names with the same
 * functions. No CDK or AWS import: the schema, and with it every Lambda, loads this file.
 */
import { FUNCTIONS, type NotificationPatternName } from '#shared/manifest.ts';

/** CloudFormation stack name (and construct id): `Leadscore-<client>`. */
export function stackNameFor(client: string): string {
  return `Leadscore-${client}`;
}

/** `leadscore-<client>` or `leadscore-<client>-<part>`: functions, queues, alarms, rules, the API. */
export function resourceName(client: string, part?: string): string {
  return part === undefined ? `leadscore-${client}` : `leadscore-${client}-${part}`;
}

/** Secrets Manager name: `leadscore/<client>/<part>`. */
export function secretName(client: string, part: string): string {
  return `leadscore/${client}/${part}`;
}

/** The part of a notification rule's name: `thresholdCrossed` -> `notify-threshold-crossed`. */
export function notificationRulePart(pattern: NotificationPatternName): string {
  return `notify-${pattern.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

/** The part of a dead-letter queue's name: `<what>-dlq` (`decay-dlq`, `notify-slack-failures-dlq`). */
export const deadLetterQueuePart = (what: string): string => `${what}-dlq`;

/** Longest names AWS accepts, by kind of resource (from each service's API reference). */
export const AWS_NAME_LIMITS = {
  'Lambda function': 64,
  'EventBridge rule': 64,
  'EventBridge Scheduler schedule': 64,
  'EventBridge bus': 256,
  'SQS queue': 80,
  'CloudWatch alarm': 255,
  'SNS topic': 256,
  'DynamoDB table': 255,
  'HTTP API': 128,
  'Secrets Manager secret': 512,
  'CloudFormation stack': 128,
} as const;

export type NamedResourceKind = keyof typeof AWS_NAME_LIMITS;

/** One physical name the stack of a client gives a resource. */
export interface DerivedName {
  readonly kind: NamedResourceKind;
  readonly name: string;
}

/**
 * The names a client's stack derives from its name, the longest of each kind at least: each
 * function, each notification rule and its queues, the schedules, the alarm topic, the table,
 * bus, API and secrets. A CDK test checks that every physical name of a synthesized stack of the
 * longest allowed client name fits its limit.
 */
export function derivedNames(client: string): DerivedName[] {
  const name = (kind: NamedResourceKind, part?: string): DerivedName => ({
    kind,
    name: resourceName(client, part),
  });
  const patterns = new Set<NotificationPatternName>();
  const names: DerivedName[] = [
    { kind: 'CloudFormation stack', name: stackNameFor(client) },
    name('DynamoDB table'),
    name('EventBridge bus'),
    name('HTTP API'),
    name('SNS topic', 'alarms'),
    name('SQS queue', deadLetterQueuePart('notify-delivery')),
    { kind: 'Secrets Manager secret', name: secretName(client, 'slack-webhook') },
  ];
  for (const spec of FUNCTIONS) {
    names.push(name('Lambda function', spec.name), name('CloudWatch alarm', `${spec.name}-errors`));
    const trigger = spec.trigger;
    if (trigger.kind === 'schedule') {
      names.push(
        name('EventBridge Scheduler schedule', trigger.schedule),
        name('SQS queue', deadLetterQueuePart(trigger.schedule)),
      );
    }
    if (trigger.kind === 'bus') for (const pattern of trigger.patterns) patterns.add(pattern);
    if (trigger.kind === 'bus' || trigger.kind === 'stream')
      names.push(name('SQS queue', deadLetterQueuePart(`${spec.name}-failures`)));
  }
  for (const pattern of patterns) names.push(name('EventBridge rule', notificationRulePart(pattern)));
  return names;
}

/** The first derived name longer than its limit, or undefined when all fit. */
export function nameTooLong(client: string): (DerivedName & { limit: number }) | undefined {
  return derivedNames(client)
    .map((derived) => ({ ...derived, limit: AWS_NAME_LIMITS[derived.kind] }))
    .find((derived) => derived.name.length > derived.limit);
}

/** The longest client name whose every derived name fits (29 with today's manifest). */
export const MAX_CLIENT_NAME_LENGTH: number = (() => {
  let length = 2;
  while (length < 63 && nameTooLong('a'.repeat(length + 1)) === undefined) length += 1;
  return length;
})();
