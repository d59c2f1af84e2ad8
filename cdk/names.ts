/**
 * Names of a client's stack and resources. Every physical name carries the client, so that two
 * clients deployed into one account never collide and an operator can tell them apart.
 */

/** CloudFormation stack name (and construct id): `Leadscore-<client>`. */
export function stackNameFor(client: string): string {
  return `Leadscore-${client}`;
}

/** `leadscore-<client>` or `leadscore-<client>-<part>`: functions, queues, alarms, the API. */
export function resourceName(client: string, part?: string): string {
  return part === undefined ? `leadscore-${client}` : `leadscore-${client}-${part}`;
}

/** Secrets Manager name: `leadscore/<client>/<part>`. */
export function secretName(client: string, part: string): string {
  return `leadscore/${client}/${part}`;
}
