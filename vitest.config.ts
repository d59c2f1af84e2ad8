import { defineConfig } from 'vitest/config';

// The SDK's warning about the Node versions of 2027 concerns the deployed runtime: not noise for
// a passing run (this process runs the global setup; the test workers get it from `env` below).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * One vitest run covers every suite: pure unit tests, integration tests against a real
 * DynamoDB Local (started once by the global setup on a free port), browser e2e tests and
 * CDK assertion tests.
 */
export default defineConfig({
  resolve: { conditions: ['import', 'node'] },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-fast-check.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // The SDK's warning about the Node versions of 2027 concerns the deployed runtime: not noise
    // for every test file of a passing run.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
