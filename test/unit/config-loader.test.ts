import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  ConfigError,
  loadClientConfig,
  parseClientConfig,
  parseClientConfigText,
} from '#shared/config/load.ts';
import { compileModel } from '#shared/scoring/model.ts';

const FIXTURES = 'test/fixtures/clients';

/** The issues a config is rejected with (fails the test when it is accepted). */
function rejection(load: () => unknown): ConfigError {
  let result: unknown;
  try {
    result = load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`accepted: ${JSON.stringify(result).slice(0, 80)}`);
}

// biome-ignore lint/suspicious/noExplicitAny: a config document mutated into invalid shapes on purpose
const exampleDocument = (): Record<string, any> => parseYaml(readFileSync('clients/example.yaml', 'utf8'));

describe('client configuration loader', () => {
  it('It should load the example client, fill in defaults and compile its model', () => {
    const config = loadClientConfig('example');
    expect(config).toMatchObject({ client: 'example', displayName: 'Example Analytics Inc.' });
    expect(config.model.version).toBe('2026-11-01');
    expect(config.model.engagement.rules.find((r) => r.id === 'email-open')).toMatchObject({
      points: 5,
      category: 'email',
      cap: { points: 25, windowDays: 30 },
      when: [],
    });
    expect(config.forms.contact).toMatchObject({ honeypotField: 'website', fields: {}, requiredFields: [] });
    expect(config.model.decay).toEqual({
      halfLifeDays: 7,
      inactivity: [
        { afterDays: 30, multiply: 0.5 },
        { afterDays: 90, multiply: 0 },
      ],
    });
    expect(
      compileModel(config)
        .rulesByEvent.get('page_view')
        ?.map((r) => r.id),
    ).toEqual(['pricing-page', 'careers-page', 'other-page']);
  });

  it('It should reject a broken file with every error, each with its path, in one pass', () => {
    const error = rejection(() => loadClientConfig(`${FIXTURES}/broken.yaml`));
    expect(error.source).toBe(`${FIXTURES}/broken.yaml`);
    expect([...error.issues].sort()).toEqual(
      [
        'model.account.cap: cappedSum needs cap',
        'model.decay.inactivity[0].subtract: an inactivity step needs exactly one of subtract or multiply',
        'model.engagement.rules[1].category: unknown category "emails" (define it under model.engagement.categories)',
        'model.engagement.rules[3].points: Invalid input: expected number, received string',
        'model.fit.rules[0].when[0].list: unknown list "competitor" (built-in: personal-email-domains, disposable-email-domains; or define it under lists)',
        'model.fit.rules[1].when[0].pattern: invalid regular expression: Invalid regular expression: /(vp|director/i: Unterminated group',
        'model.fit.rules[2].id: duplicate rule id "title"',
        'model.segments[1].min: bands must be listed from highest min to lowest',
        'notifications.email.from: Invalid email address',
        'notifications.notifyOn.thresholds[0]: unknown threshold "sql"',
      ].sort(),
    );
    expect(error.message).toContain('10 configuration error(s)');
  });

  it('It should report cross-references (lists, ids) together with type errors, not after they are fixed', () => {
    const doc = exampleDocument();
    doc.model.engagement.rules[3].points = 'ten';
    doc.model.fit.rules[0].when[0].list = 'no-such-list';
    doc.model.fit.rules[2].id = doc.model.fit.rules[1].id;
    doc.model.grades = [{ grade: 'C', minFit: 0 }, { grade: 'A', minFit: 40 }, { grade: 'D' }];
    doc.forms.contact.redirectUrl = 'ftp://example.com/thanks';
    const paths = rejection(() => parseClientConfig(doc)).issues.map((issue) =>
      issue.slice(0, issue.indexOf(': ')),
    );
    expect(paths.sort()).toEqual([
      'forms.contact.redirectUrl',
      // The example's fast tracks name grade B, which this document dropped.
      'model.engagement.rules[10].qualifies.grades[1]',
      'model.engagement.rules[11].qualifies.grades[1]',
      'model.engagement.rules[12].qualifies.grades[1]',
      'model.engagement.rules[3].points',
      'model.fit.rules[0].when[0].list',
      'model.fit.rules[2].id',
      'model.grades[1].minFit',
    ]);
  });

  it('It should survive documents of the wrong shape without crashing the cross-field checks', () => {
    for (const doc of [null, 42, 'client: x', [], { model: [], notifications: 'none', lists: 3 }]) {
      expect(rejection(() => parseClientConfig(doc)).issues.length).toBeGreaterThan(0);
    }
    const doc = exampleDocument();
    doc.model.fit.rules = 'none';
    doc.model.engagement = { rules: [null, { id: 7 }], categories: [] };
    expect(rejection(() => parseClientConfig(doc)).issues.length).toBeGreaterThan(2);
  });

  it('It should reject a config wrong in a single field rather than load the rest of it', () => {
    const doc = exampleDocument();
    doc.model.thresholds[0].rearmBelow = 120; // above its score
    const error = rejection(() => parseClientConfig(doc, 'clients/example.yaml'));
    expect(error.issues).toEqual(['model.thresholds[0].rearmBelow: rearmBelow must be below score']);
  });

  it('It should read JSON as well as YAML, and find a client by name with either extension', () => {
    const fromJson = loadClientConfig('acme', FIXTURES);
    expect(fromJson.client).toBe('acme');
    const fromYaml = parseClientConfigText(readFileSync(`${FIXTURES}/acme-yaml.yaml`, 'utf8'), 'acme.yaml');
    expect(fromYaml).toEqual(fromJson);
    expect(fromJson.model.thresholds).toEqual([{ name: 'mql', score: 100, lifecycle: 'mql' }]);
  });

  it('It should report syntax errors of YAML and JSON files', () => {
    expect(rejection(() => parseClientConfigText('{ "client": ', 'x.json')).issues[0]).toMatch(
      /^\(syntax\): /,
    );
    expect(rejection(() => parseClientConfigText('client: [unclosed', 'x.yaml')).issues[0]).toMatch(
      /^\(syntax\): /,
    );
  });

  it('It should insist that the file name matches the client name', () => {
    const error = rejection(() => loadClientConfig(`${FIXTURES}/acme-yaml.yaml`));
    expect(error.issues).toEqual(['client: "acme" must match the file name "acme-yaml"']);
    expect(rejection(() => loadClientConfig('nobody', FIXTURES)).issues[0]).toMatch(
      /^\(file\): no nobody\.yaml/,
    );
  });
});
