/**
 * The files of the sales console (scripts/site/console/ and ECharts' prebuilt bundle), by the
 * name they are served under at /console/{asset}. Paths are relative to the repository; the
 * manifest ships them beside the console function's bundle under the same paths. No I/O here:
 * the manifest, read by the CDK, imports this list.
 */
const CONSOLE_DIR = 'scripts/site/console';

/** Each asset's URL name and where it is, relative to the repository (and to the deployed bundle). */
export const CONSOLE_ASSETS: Readonly<Record<string, string>> = {
  'index.html': `${CONSOLE_DIR}/index.html`,
  'console.css': `${CONSOLE_DIR}/console.css`,
  'console.js': `${CONSOLE_DIR}/console.js`,
  'api.js': `${CONSOLE_DIR}/api.js`,
  'dom.js': `${CONSOLE_DIR}/dom.js`,
  'list-view.js': `${CONSOLE_DIR}/list-view.js`,
  'lead-view.js': `${CONSOLE_DIR}/lead-view.js`,
  'score-chart.js': `${CONSOLE_DIR}/score-chart.js`,
  'account-view.js': `${CONSOLE_DIR}/account-view.js`,
  'echarts.min.js': 'node_modules/echarts/dist/echarts.min.js',
};

/** The files the console function reads at run time. */
export const CONSOLE_ASSET_FILES: readonly string[] = Object.values(CONSOLE_ASSETS);
