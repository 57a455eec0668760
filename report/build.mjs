// `make report`: builds the HTML report from allurerc.mjs and evaluates its quality gate in
// the same pass, so the gate's rules and their result show in the report's Quality Gates
// tab (`allure generate` alone leaves it empty). Exits 1 when a rule fails, after the report
// is written.
import { exit } from "node:process";
import { fileURLToPath } from "node:url";
import {
  AllureReport,
  filterFailedQualityGateResults,
  readConfig,
  stringifyQualityGateResults,
} from "@allurereport/core";

const here = fileURLToPath(new URL(".", import.meta.url));
const config = await readConfig(here, "allurerc.mjs");
const report = new AllureReport(config);

await report.start();
for (const directory of [config.resultsDir].flat()) await report.readDirectory(directory);
const tests = await report.store.allTestResults({ includeRetries: false });
const { results } = await report.validate({ trs: tests });
report.realtimeDispatcher.sendQualityGateResults(results);
await report.done();

const failed = filterFailedQualityGateResults(results);
console.log(`report: ${config.output}/index.html (serve it: report/node_modules/.bin/allure open ${config.output})`);
if (failed.length) {
  console.error(stringifyQualityGateResults(failed));
  console.error("quality gate failed");
  exit(1);
}
console.log(`quality gate passed: ${results.length} rule(s) over ${tests.length} results`);
