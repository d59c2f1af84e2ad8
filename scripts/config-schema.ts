import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import * as z from 'zod';
import { clientConfigSchema } from '#shared/config/schema.ts';

/** Where the generated schema lives: beside the configs, named by their `$schema` comment. */
export const CLIENT_SCHEMA_PATH = 'clients/client.schema.json';

/**
 * The client configuration as JSON Schema (draft 2020-12), generated from the zod schema so the
 * two cannot drift: editors validate and complete `clients/*.yaml` with it. It describes the
 * input a file may hold (fields with defaults are optional); cross-field checks (unique ids,
 * known lists, band order) are zod refinements that JSON Schema cannot express, so only the
 * loader (`leadscore validate`) runs them.
 */
export function clientJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(clientConfigSchema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  });
  const { $schema, ...rest } = schema;
  return {
    $schema,
    title: 'leadscore client configuration',
    description:
      'One client of leadscore: its scoring model, forms, notifications and schedule. Generated from shared/config/schema.ts by `npm run config:schema`; do not edit.',
    ...rest,
  };
}

/** The schema file's exact text (2-space JSON and a final newline). */
export function clientJsonSchemaText(): string {
  return `${JSON.stringify(clientJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(CLIENT_SCHEMA_PATH, clientJsonSchemaText());
  console.log(`wrote ${CLIENT_SCHEMA_PATH}`);
}
