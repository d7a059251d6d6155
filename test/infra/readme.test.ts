/** The README's alarm table and deploy section cannot drift from the code. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ALARM_DEFAULTS, ALARM_IDS } from "../../functions/shared/alarms.ts";
import { PROBE_TIMEOUT_SECONDS, PROJECT_ROOT } from "../../infra/probe-function.ts";
import { alarmTableMarkdown } from "../../scripts/alarm-table.ts";

const readme = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");

function section(heading: string): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  expect(start, `README has "## ${heading}"`).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

/** The rows of the Markdown tables in `text`, each as its trimmed cells (separator rows left out). */
function tableCells(text: string): string[][] {
  return text
    .split("\n")
    .filter((line) => line.startsWith("|") && !/^\|[\s:|-]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

describe("README", () => {
  it("has the alarm table generated from the catalogue (run `npx node scripts/alarm-table.ts` to refresh it)", () => {
    // Compared cell by cell: Biome pads the README's tables when it formats Markdown.
    const generated = tableCells(alarmTableMarkdown());
    const documented = tableCells(section("Alarms"));
    expect(documented).toEqual(generated);
  });

  it("has one row per alarm of the catalogue, with its rule, statistic, missing data and severity", () => {
    const rows = alarmTableMarkdown().split("\n").slice(2);
    expect(rows).toHaveLength(ALARM_IDS.length);
    for (const [index, id] of ALARM_IDS.entries()) {
      const alarm = ALARM_DEFAULTS[id];
      const row = rows[index] ?? "";
      expect(row).toContain(`\`${id}\``);
      expect(row).toContain(
        `${alarm.comparison} ${alarm.threshold} for ${alarm.datapointsToAlarm} of ${alarm.evaluationPeriods}`,
      );
      expect(row).toContain(`| ${alarm.statistic} |`);
      expect(row).toContain(`| ${alarm.severity} |`);
    }
  });

  it("documents bootstrap, deploy, subscription confirmation, notify-test, tear down and the concurrency trap", () => {
    const deploy = section("Deploy to AWS");
    for (const text of [
      "npx cdk bootstrap",
      "npx cdk deploy -c config=",
      "npm run deploy -- -c config=",
      "Subscription Confirmation",
      "npm run notify-test -- --severity critical",
      "npx cdk destroy -c config=",
      "UnreservedConcurrentExecution below its minimum value of [10]",
      `timeout ${PROBE_TIMEOUT_SECONDS} s`,
      "deployment.vpc.subnetIds",
    ]) {
      expect(deploy).toContain(text);
    }
    expect(readme).not.toContain("<!-- deploy section");
    expect(readme).not.toContain("<!-- alarms section");
  });
});
