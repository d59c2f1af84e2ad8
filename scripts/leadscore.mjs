#!/usr/bin/env node
/**
 * The `leadscore` bin (package.json "bin"): runs the operator CLI, scripts/cli.ts, through tsx
 * (the TypeScript loader the project runs everything with), from any working directory: tsx and
 * its tsconfig are found from this file, not from the directory it is run in.
 */
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import('./cli.ts');
