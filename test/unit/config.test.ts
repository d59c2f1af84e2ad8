import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ConfigError,
  loadClientConfig,
  parseClientConfig,
  parseClientConfigText,
} from '#shared/config/load.ts';

// biome-ignore lint/suspicious/noExplicitAny: a config document deliberately mutated into invalid shapes
const example = () => parse(readFileSync('clients/example.yaml', 'utf8')) as Record<string, any>;

function issuesOf(raw: unknown): string[] {
  try {
    parseClientConfig(raw, 'test.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error('the config was accepted');
}

describe('client configuration', () => {
  it('It should load the example client with its forms, rules and defaults', () => {
    const config = loadClientConfig('example');
    expect(config.client).toBe('example');
    expect(config.model.engagement.rules.length).toBeGreaterThan(10);
    expect(Object.keys(config.forms)).toEqual(['demo-request', 'contact', 'newsletter']);
    expect(config.retention.eventDays).toBe(400);
    expect(config.model.thresholds[0]).toMatchObject({ name: 'mql', score: 100 });
  });

  it('It should reject an invalid config with every error and its path', () => {
    const raw = example();
    raw.model.engagement.rules[3].points = 'ten';
    raw.model.fit.rules[0].when[0].list = 'no-such-list';
    raw.model.fit.rules[2].id = raw.model.fit.rules[1].id;
    raw.model.fit.rules[4].when[0].pattern = '(unclosed';
    raw.model.segments = [{ name: 'warm', min: 50 }, { name: 'hot', min: 100 }, { name: 'cold' }];
    raw.model.account = { method: 'cappedSum' };
    raw.notifications.email.from = 'not-an-email';
    raw.forms['demo-request'].colour = 'blue';
    const issues = issuesOf(raw);
    const paths = issues.map((i) => i.split(':')[0]);
    expect(paths).toEqual(
      expect.arrayContaining([
        'model.engagement.rules[3].points',
        'model.segments[1].min',
        'model.account.cap',
        'notifications.email.from',
        'forms.demo-request',
      ]),
    );
    expect(issues.some((i) => i.includes('model.fit.rules[4].when[0].pattern'))).toBe(true);
    expect(issues.find((i) => i.startsWith('model.engagement.rules[3].points'))).toMatch(/expected number/);
  });

  it('It should check references only once the shapes are valid, naming the list and duplicate id', () => {
    const raw = example();
    raw.model.fit.rules[0].when[0].list = 'no-such-list';
    raw.model.fit.rules[2].id = raw.model.fit.rules[1].id;
    raw.model.engagement.rules[0].category = 'typo';
    const issues = issuesOf(raw);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^model\.fit\.rules\[0\]\.when\[0\]\.list: unknown list "no-such-list"/),
        expect.stringMatching(/^model\.fit\.rules\[2\]\.id: duplicate rule id/),
        expect.stringMatching(/^model\.engagement\.rules\[0\]\.category: unknown category "typo"/),
      ]),
    );
  });

  it('It should read JSON as well as YAML, and report syntax errors', () => {
    const json = JSON.stringify(example());
    expect(parseClientConfigText(json, 'example.json').client).toBe('example');
    expect(() => parseClientConfigText('{ "client": ', 'broken.json')).toThrow(ConfigError);
    expect(() => parseClientConfigText('client: [unclosed', 'broken.yaml')).toThrow(/syntax/);
  });
});
