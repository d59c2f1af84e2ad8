import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The leadscore package (the repository), whatever directory the CLI is run from. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A path inside the package, relative to the working directory when that is shorter (for messages). */
function nearPath(inPackage: string): string {
  const absolute = join(PACKAGE_ROOT, inPackage);
  const near = relative(process.cwd(), absolute);
  return near === '' ? '.' : near.startsWith('..') ? absolute : near;
}

/** The client configurations: the package's `clients/`. */
export const clientsDir = () => nearPath('clients');

/**
 * The local data directory: `--data-dir`, else `LEADSCORE_DATA_DIR` (relative to the working
 * directory), else the package's `.leadscore`, where `npm start` keeps its data.
 */
export function dataDirOf(option: string | undefined): string {
  const given = option || process.env.LEADSCORE_DATA_DIR;
  return given ? resolve(given) : join(PACKAGE_ROOT, '.leadscore');
}
