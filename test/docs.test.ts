/**
 * The README and docs/ cannot drift from the code, and stay readable: the alarm reference is the
 * generated one, the deploy guide names what the stack does, every docs page is linked, tables
 * fit a terminal, and the README stays short.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ALARM_DEFAULTS, ALARM_IDS } from "../functions/shared/alarms.ts";
import { consensusMath, partialMath, quorumMath } from "../functions/shared/plan/index.ts";
import { PROBE_TIMEOUT_SECONDS, PROJECT_ROOT } from "../infra/probe-function.ts";
import { alarmReferenceMarkdown } from "../scripts/alarm-table.ts";
import { consensusTableMarkdown, TABLE_VANTAGES } from "../scripts/consensus-table.ts";

const DOCS = join(PROJECT_ROOT, "docs");
const read = (path: string): string => readFileSync(join(PROJECT_ROOT, path), "utf8");
const readme = read("README.md");
const docPages = readdirSync(DOCS).filter((name) => name.endsWith(".md"));

/** The text under `## heading` up to the next heading of the same level. */
function section(text: string, heading: string): string {
  const start = text.indexOf(`\n## ${heading}\n`);
  expect(start, `has "## ${heading}"`).toBeGreaterThanOrEqual(0);
  const end = text.indexOf("\n## ", start + 1);
  return text.slice(start + heading.length + 5, end === -1 ? undefined : end);
}

/**
 * Lines as a reader sees them: blank lines dropped, table rows as their trimmed cells (Biome pads
 * tables when it formats Markdown), separator rows dropped.
 */
function normalized(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !/^\|[\s:|-]+\|$/.test(line))
    .map((line) =>
      line.startsWith("|")
        ? line
            .slice(1, -1)
            .split(/(?<!\\)\|/)
            .map((cell) => cell.trim())
            .join(" | ")
        : line,
    );
}

describe("docs/alarms.md", () => {
  const alarms = read("docs/alarms.md");

  it("holds the reference generated from the catalogue (`npx node scripts/alarm-table.ts` refreshes it)", () => {
    expect(normalized(section(alarms, "Reference"))).toEqual(normalized(alarmReferenceMarkdown()));
  });

  it("gives every alarm of the catalogue its rule, statistic and severity", () => {
    const reference = alarmReferenceMarkdown();
    for (const id of ALARM_IDS) {
      const alarm = ALARM_DEFAULTS[id];
      const start = reference.indexOf(`(\`${id}\`)\n`);
      expect(start, id).toBeGreaterThan(0);
      const entry = reference.slice(start, reference.indexOf("\n### ", start + 1));
      expect(entry).toContain(
        `${alarm.comparison} ${alarm.threshold} for ${alarm.datapointsToAlarm} of ${alarm.evaluationPeriods}`,
      );
      expect(entry).toContain(`statistic ${alarm.statistic}`);
      expect(entry).toContain(`- Severity: ${alarm.severity}`);
    }
  });
});

describe("docs/deploy.md", () => {
  it("documents bootstrap, deploy, subscription confirmation, notify-test, tear down and the concurrency trap", () => {
    const deploy = read("docs/deploy.md");
    for (const text of [
      "npx cdk bootstrap",
      "npx cdk deploy -c config=",
      "npm run deploy -- -c config=",
      "Subscription Confirmation",
      "npm run notify-test -- --severity critical",
      "npx cdk destroy -c config=",
      "UnreservedConcurrentExecution below its minimum value of [100]",
      `timeout ${PROBE_TIMEOUT_SECONDS} s`,
      "deployment.vpc",
    ]) {
      expect(deploy).toContain(text);
    }
  });

  it("says what the hardening changed for the operator (issue 8)", () => {
    const deploy = read("docs/deploy.md");
    for (const text of [
      // cdk's exit status for the app's 2, and the line it prints after the app's message
      "turns that into its own exit status **1**",
      "node infra/app.ts: Subprocess exited with error 2",
      // offline synth: notices, telemetry, npm's update check; the feature-flags line explained
      '"notices": false',
      '"cli-telemetry": false',
      "`.npmrc` turns npm's own update check off",
      "feature flags are not configured",
      // the https retry policy, the dead-letter queue and its alarm; the key policy's conditions
      "for the hour SNS allows",
      "`<prefix>-monitor-page-undelivered`",
      "`aws:SourceAccount` and `aws:SourceArn`",
      // unsubscribing from a forwarded email
      "AuthenticateOnUnsubscribe",
      "--authenticate-on-unsubscribe true",
      // notify-test through a real alarm
      "`SetAlarmState`",
      'ALARM: "Meet-monitor-TEST-notify-critical" in EU (Paris)',
      // one dashboard per region; no reserved concurrency by default
      "`<stackName>-<region>`",
      "That is why it is off by default",
      "## What changed in this version",
    ]) {
      expect(deploy).toContain(text);
    }
    expect(readme).toContain("docs/deploy.md#what-changed-in-this-version");
  });
});

describe("README quick start and sample run", () => {
  it("says the EBADENGINE warnings of npm ci on an older Node are expected, and why", () => {
    const quickStart = section(readme, "Quick start");
    expect(quickStart).toContain("EBADENGINE");
    expect(quickStart).toContain("everything then runs on the pinned Node 24");
  });

  it("names the example file of its sample run, and the stand-ins' variables before the whitebox.json command", () => {
    expect(section(readme, "Run one probe cycle (the main job)")).toContain(
      "npm run probe -- --config examples/standins-garage-down.json",
    );
    const whitebox = read("docs/whitebox.md");
    const command = whitebox.indexOf("npm run probe -- --config examples/whitebox.json");
    const variables = whitebox.indexOf(
      "LIVEKIT_METRICS_PASSWORD, GARAGE_METRICS_TOKEN, GARAGE_ADMIN_TOKEN and PG_EXPORTER_PASSWORD",
    );
    expect(variables).toBeGreaterThan(0);
    expect(variables).toBeLessThan(command);
  });
});

describe("README and docs/", () => {
  it("keeps the README under 300 lines", () => {
    expect(readme.split("\n").length).toBeLessThan(300);
  });

  it("links every page of docs/ from the README", () => {
    for (const page of docPages) expect(readme, page).toContain(`](docs/${page})`);
  });

  it("links only to docs pages and anchors that exist", () => {
    const pages = [
      ["README.md", readme] as const,
      ...docPages.map((page) => [`docs/${page}`, read(`docs/${page}`)] as const),
    ];
    for (const [name, text] of pages) {
      for (const [, target] of text.matchAll(/\]\(((?:docs\/)?[a-z-]+\.md)(?:#[a-z0-9-]+)?\)/g)) {
        const path = name === "README.md" || target?.startsWith("docs/") ? target : `docs/${target}`;
        expect(() => read(path ?? ""), `${name} links to ${target}`).not.toThrow();
      }
      for (const [link, target, anchor] of text.matchAll(/\]\(((?:docs\/)?[a-z-]+\.md)?#([a-z0-9-]+)\)/g)) {
        const path = target === undefined ? name : name === "README.md" ? target : `docs/${target}`;
        const headings = read(path)
          .split("\n")
          .filter((line) => line.startsWith("#"))
          .map((line) =>
            line
              .replace(/^#+\s*/, "")
              .toLowerCase()
              .replace(/[^a-z0-9 -]/g, "")
              .replaceAll(" ", "-"),
          );
        expect(headings, `${name}: ${link}`).toContain(anchor);
      }
    }
  });

  it("keeps every table narrow enough for a terminal (100 characters)", () => {
    for (const [name, text] of [
      ["README.md", readme],
      ...docPages.map((page) => [page, read(`docs/${page}`)]),
    ]) {
      const wide = (text ?? "").split("\n").filter((line) => line.startsWith("|") && line.length > 100);
      expect(wide, `${name} has tables wider than 100 characters: use a list`).toEqual([]);
    }
  });
});

describe("docs/vantages.md", () => {
  const vantages = read("docs/vantages.md");

  it("holds the truth table computed from the alarms' expressions (`npx node scripts/consensus-table.ts`)", () => {
    const rule = normalized(section(vantages, "The consensus rule"));
    const table = normalized(consensusTableMarkdown());
    const start = rule.indexOf(table[0] ?? "");
    expect(start, "the table's header").toBeGreaterThanOrEqual(0);
    expect(rule.slice(start, start + table.length)).toEqual(table);
  });

  it("shows the expressions the stack deploys for its three vantages", () => {
    const rule = { comparison: "<", threshold: 1 } as const;
    const down = consensusMath(TABLE_VANTAGES, rule, 2, "Up");
    for (const query of down.queries) {
      if ("expression" in query) {
        const id = query.id === down.watched ? "decision" : query.id;
        expect(vantages.replace(/ +=/g, " =")).toContain(`${id} = ${query.expression}`);
      }
    }
    expect(partialMath(TABLE_VANTAGES, rule, 2, "Up").watched).toBe("partial");
    expect(quorumMath(TABLE_VANTAGES, 2).watched).toBe("short");
  });

  it("documents deploying with --all, the maintenance command and the cost of each vantage", () => {
    for (const text of [
      "npm run deploy -- --all -c config=",
      "npx cdk synth --all -c config=examples/multi-vantage.json",
      "npx cdk destroy --all -c config=",
      "npm run maintenance -- start --minutes 60",
      "npm run maintenance -- list",
      "npm run maintenance -- end",
      "AWS::CloudWatch::AlarmMuteRule",
      "MEET_MONITOR_METRICS_REGION",
      "aws:RequestedRegion",
    ]) {
      expect(vantages).toContain(text);
    }
    expect(section(vantages, "Cost of each vantage")).toContain("3 vantages");
  });
});
