import fc from 'fast-check';

/**
 * Property tests explore new inputs on every local run; CI uses one fixed seed so that a red run
 * is reproducible and a green one is not luck. `FC_SEED=<n>` replays any run (fast-check prints
 * the seed of a failure).
 */
const seed = process.env.FC_SEED ?? (process.env.CI ? '20261125' : undefined);
if (seed !== undefined) fc.configureGlobal({ seed: Number(seed) });
