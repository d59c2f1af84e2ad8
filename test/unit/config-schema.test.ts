import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CLIENT_SCHEMA_PATH, clientJsonSchema, clientJsonSchemaText } from '#scripts/config-schema.ts';

type SchemaNode = {
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  oneOf?: SchemaNode[];
  anyOf?: SchemaNode[];
};

/**
 * The keys of a document the schema does not know, by path: a light check that an example
 * config fits the schema's shape (a full JSON Schema validator is not a dependency).
 */
function unknownKeys(doc: unknown, node: SchemaNode, path = ''): string[] {
  if (Array.isArray(doc))
    return node.items ? doc.flatMap((item, i) => unknownKeys(item, node.items!, `${path}[${i}]`)) : [];
  if (doc === null || typeof doc !== 'object') return [];
  const variants = node.oneOf ?? node.anyOf;
  if (variants) {
    const fits = variants.map((v) => unknownKeys(doc, v, path)).sort((a, b) => a.length - b.length);
    return fits[0] ?? [];
  }
  return Object.entries(doc).flatMap(([key, value]) => {
    const child =
      node.properties?.[key] ??
      (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
    if (!child) return node.additionalProperties === false ? [`${path}.${key}`] : [];
    return unknownKeys(value, child, `${path}.${key}`);
  });
}

describe('client config JSON Schema', () => {
  it('It should be committed exactly as generated from the zod schema (npm run config:schema)', () => {
    expect(readFileSync(CLIENT_SCHEMA_PATH, 'utf8')).toBe(clientJsonSchemaText());
  });

  it('It should describe the top-level sections, their required ones, and refuse unknown keys', () => {
    const schema = clientJsonSchema() as SchemaNode & { $schema: string };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(schema.properties ?? {})).toEqual([
      '$schema',
      'client',
      'displayName',
      'lists',
      'model',
      'forms',
      'notifications',
      'integrations',
      'schedule',
      'alarms',
      'retention',
      'api',
    ]);
    expect(schema.required).toEqual(['client', 'displayName', 'model', 'notifications']);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties?.model?.properties ?? {})).toEqual(
      expect.arrayContaining([
        'version',
        'fit',
        'engagement',
        'disqualify',
        'source',
        'decay',
        'thresholds',
        'segments',
      ]),
    );
  });

  it('It should fit the example client, which points editors at it', () => {
    const text = readFileSync('clients/example.yaml', 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./client.schema.json');
    const schema = clientJsonSchema() as SchemaNode;
    const doc = parseYaml(text) as Record<string, unknown>;
    expect(unknownKeys(doc, schema)).toEqual([]);
    expect(schema.required?.filter((key) => !(key in doc))).toEqual([]);
    expect(unknownKeys({ ...doc, colour: 'blue' }, schema)).toEqual(['.colour']);
  });
});
