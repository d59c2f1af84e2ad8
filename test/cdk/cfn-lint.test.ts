import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '#cdk/constructs/leadscore-function.ts';
import { copyOfExample, type SynthesizedClients, synthClients } from './support/synth-clients.ts';

/** The version CI and these machines have; its rules are what "no finding" means here. */
const CFN_LINT_VERSION = '1.51';

let synth: SynthesizedClients;

beforeAll(() => {
  // Every client file of the repository, plus a second client beside the example with an
  // existing SES identity and referenced Slack secrets: every variant the stack has.
  const clientsDir = join(PROJECT_ROOT, 'clients');
  const files = Object.fromEntries(
    readdirSync(clientsDir)
      .filter((file) => /\.ya?ml$/.test(file))
      .map((file) => [file.replace(/\.ya?ml$/, ''), readFileSync(join(clientsDir, file), 'utf8')]),
  );
  files.second = copyOfExample('second', (text) =>
    text
      .replace(', identity: create }', ', identity: existing }')
      .replace('slack: { enabled: true }', 'slack: { enabled: true, webhookSecretName: shared/slack-sales }'),
  );
  synth = synthClients(files);
}, 300_000);
afterAll(() => synth?.cleanup());

describe('cfn-lint on every synthesized template (PRODUCT §8.6)', () => {
  it('It should find nothing in any template, W3005 aside (acknowledged by rule in .cfnlintrc)', () => {
    const version = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
    if (version.error) {
      throw new Error(
        `cfn-lint is not installed (${version.error.message}): install cfn-lint ${CFN_LINT_VERSION} (pip install "cfn-lint==${CFN_LINT_VERSION}.*") to run this check`,
      );
    }
    expect(version.stdout).toContain(`cfn-lint ${CFN_LINT_VERSION}`);
    const templates = synth.stacks.map(({ templateFile }) => templateFile);
    expect(templates.length).toBeGreaterThanOrEqual(2);
    // From the repository root, so that cfn-lint reads .cfnlintrc.
    const run = spawnSync('cfn-lint', ['--format', 'parseable', '--', ...templates], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    });
    const findings = run.stdout.split('\n').filter((line) => line.trim() !== '');
    expect(findings).toEqual([]);
    expect(run.stderr.trim()).toBe('');
    expect(run.status).toBe(0);
  }, 180_000);
});
