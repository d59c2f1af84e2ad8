import { basename, dirname } from 'node:path';
import type { FunctionSpec } from '#shared/manifest.ts';
import { DOMAIN_LIST_PACKAGES, type RuntimeDataPackage } from './leadscore-function.ts';

/**
 * The data an HTTP function ships beside its bundle: the built-in domain lists for a function
 * that scores leads (one with table access), and its manifest `assets` (the console's pages and
 * ECharts) under their repository paths, where it reads them from `LAMBDA_TASK_ROOT`
 * (`shared/api/console-assets.ts`). The console's zip stays small: no lists it never reads.
 */
export function httpFunctionData(spec: Pick<FunctionSpec, 'assets' | 'table'>): RuntimeDataPackage[] {
  const byFolder = new Map<string, string[]>();
  for (const file of spec.assets ?? []) {
    const folder = dirname(file);
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), basename(file)]);
  }
  const assets = [...byFolder].map(([folder, files]) => ({ from: folder, to: folder, files }));
  return [...(spec.table === undefined ? [] : DOMAIN_LIST_PACKAGES), ...assets];
}
