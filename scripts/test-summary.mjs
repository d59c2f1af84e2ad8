// Prints the plain line CI reads, `N passed, M failed`, from vitest's JSON report.
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.vitest-results.json';
if (!existsSync(file)) {
  console.log('0 passed, 1 failed');
  process.exit(0);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const failed =
  report.numFailedTests +
  (report.numRuntimeErrorTestSuites ?? 0) +
  (report.numFailedTestSuites && report.numTotalTests === 0 ? 1 : 0);
console.log(`${report.numPassedTests} passed, ${failed} failed`);
