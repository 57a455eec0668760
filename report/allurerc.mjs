// Allure Report 3 for the suite: `make report` (report/README.md says how to read it).
import { statSync } from "node:fs";
import { fileURLToPath } from "node:url";
// From plugin-api, not "allure": importing the "allure" package runs its CLI.
import { defineConfig } from "@allurereport/plugin-api";

// Paths from this file, so the report builds the same from any working directory.
const reports = (name) => fileURLToPath(new URL(`../reports/${name}`, import.meta.url));

const modified = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0;
const history = reports("history.jsonl");
// Results already in the history (a second build of the same run) add no
// second point to the trends.
const reported = modified(history) > modified(reports("allure-results"));

// A test's folder, from the package label allure-pytest gives every result.
const folder = (name) => ({ package: new RegExp(`^tests\\.${name}\\.`) });
const notPassed = ["failed", "broken"];

export default defineConfig({
  name: "stock-analyst: acceptance, load and resilience",
  resultsDir: reports("allure-results"),
  output: reports("allure-report"),
  // One line per test run, kept across runs (the results folder is not): the trends.
  historyPath: history,
  appendHistory: !reported,
  historyLimit: 100,
  // Where pytest ran, not what was tested (category matching still sees every label).
  hideLabels: ["host", "thread", "framework", "language"],
  plugins: {
    awesome: {
      options: {
        reportLanguage: "en",
        // Labels stackcheck/plugin.py sets: kind of test (its folder), then its module's subject.
        groupBy: ["epic", "feature"],
      },
    },
  },
  // First match wins; whatever matches none lands in Allure's own "Product errors" (failed)
  // or "Test errors" (broken).
  categories: [
    {
      name: "Infrastructure",
      matchers: [
        // The test never ran: its setup (stack start, fixtures) failed.
        { statuses: notPassed, labels: { stage: "^setup$" } },
        // Docker, the compose stack or the browser failed, not the product.
        { statuses: notPassed, message: /the stack failed to start|docker .* failed|Docker daemon|no containers of compose project|Chromium is not installed/i },
      ],
    },
    { name: "Performance", matchers: { statuses: notPassed, labels: folder("performance") } },
    { name: "Chaos", matchers: { statuses: notPassed, labels: folder("resilience") } },
    // An assertion about the running stack failed: what a user or operator would see.
    { name: "Product defect", matchers: { statuses: ["failed"], labels: folder("functional") } },
    { name: "Suite defect", matchers: { statuses: notPassed, labels: folder("unit") } },
    // A seeded stack defect no named test noticed: a hole in the suite (tests/selfcheck).
    { name: "Self-check: a defect survived", matchers: { statuses: notPassed, labels: folder("selfcheck") } },
  ],
  // build.mjs evaluates it with the build (the report's Quality Gates tab) and exits 1 when a rule fails.
  qualityGate: {
    rules: [{ maxFailures: 0, minTestsCount: 1 }],
  },
});
