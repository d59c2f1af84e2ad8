import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadClientConfig, parseClientConfig, parseClientConfigText } from '#shared/config/load.ts';
import { ConfigError } from '#shared/config/parse.ts';
import { runtimeClientConfig, setRuntimeClientConfig } from '#shared/config/runtime.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { validateRuntimeConfig as trustedAtSynth } from '#shared/config/validated-at-synth.ts';

/** Every client file that loads: the shipped clients and the test fixtures (not the broken one). */
const CLIENT_FILES = [
  ...readdirSync('clients')
    .filter((file) => /\.(ya?ml|json)$/.test(file) && file !== 'client.schema.json')
    .map((file) => join('clients', file)),
  ...['acme-yaml.yaml', 'acme.json', 'crm.yaml'].map((file) => join('test/fixtures/clients', file)),
];

describe('the config a function runs with', () => {
  const saved = process.env.LEADSCORE_CLIENT_CONFIG;
  afterEach(() => {
    if (saved === undefined) delete process.env.LEADSCORE_CLIENT_CONFIG;
    else process.env.LEADSCORE_CLIENT_CONFIG = saved;
    setRuntimeClientConfig(undefined as unknown as ClientConfig);
  });

  it.each(CLIENT_FILES)(
    'It should ship %s as a fixed point of the schema, so that not validating it again changes nothing',
    (file) => {
      const wire = JSON.parse(JSON.stringify(parseClientConfigText(readFileSync(file, 'utf8'), file)));
      expect(parseClientConfig(wire)).toEqual(wire);
    },
  );

  it('It should run with the validated config the CDK and the local runtime put in LEADSCORE_CLIENT_CONFIG', () => {
    const config = loadClientConfig('example');
    process.env.LEADSCORE_CLIENT_CONFIG = JSON.stringify(config);
    expect(runtimeClientConfig()).toEqual(JSON.parse(JSON.stringify(config)));
  });

  it('It should refuse to start without a config, or, run from source, with one that does not validate', () => {
    delete process.env.LEADSCORE_CLIENT_CONFIG;
    expect(() => runtimeClientConfig()).toThrow(/No client configuration/);
    const config = JSON.parse(JSON.stringify(loadClientConfig('example')));
    process.env.LEADSCORE_CLIENT_CONFIG = JSON.stringify({ ...config, retention: { eventDays: 'many' } });
    expect(() => runtimeClientConfig()).toThrow(ConfigError);
  });

  it('It should, bundled, take the config synth validated as it is, and refuse what is not a config', () => {
    const config = JSON.parse(JSON.stringify(loadClientConfig('example')));
    expect(trustedAtSynth(config)).toBe(config);
    expect(() => trustedAtSynth([1, 2])).toThrow(/not a client configuration/);
    expect(() => trustedAtSynth(null)).toThrow(/not a client configuration/);
  });
});
