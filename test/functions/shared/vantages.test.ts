/**
 * Several vantages in the configuration and the plan: the new fields and their checks, where each
 * probe runs and what it publishes, and which alarms a configuration of several vantages gets.
 */
import { describe, expect, it } from "vitest";
import {
  type MonitorConfig,
  type MonitorConfigInput,
  parseConfig,
} from "../../../functions/shared/config/index.ts";
import { scheduleProblem } from "../../../functions/shared/config/maintenance.ts";
import { CheckMetrics } from "../../../functions/shared/metrics.ts";
import { majority, planConfig, planVantages } from "../../../functions/shared/plan/index.ts";

const TARGETS = {
  backend: { url: "https://meet.example.org" },
  livekit: { url: "https://livekit.example.org", metricsUrl: "https://livekit.example.org:6789/metrics" },
  garage: { adminUrl: "https://garage.example.org" },
};
const SUBNETS = { subnetIds: ["subnet-0a1b"], securityGroupIds: ["sg-0c1d"] };

function configOf(input: MonitorConfigInput): MonitorConfig {
  const result = parseConfig(input);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

function issuesOf(input: unknown): { path: string; message: string }[] {
  const result = parseConfig(input);
  if (result.ok) throw new Error("expected the config to be rejected");
  return [...result.issues];
}

const three = (extra: Partial<MonitorConfigInput> = {}): MonitorConfig =>
  configOf({
    targets: TARGETS,
    deployment: { region: "eu-west-3", vantages: ["eu-west-3", "us-east-1", "ap-southeast-1"] },
    ...extra,
  });

describe("deployment.vantages, alarms.consensus, metrics and maintenance in the schema", () => {
  it("accepts region names and { region, vpc } entries, and leaves every field optional", () => {
    const config = configOf({
      targets: TARGETS,
      deployment: { region: "eu-west-3", vantages: ["eu-west-3", { region: "us-east-1", vpc: SUBNETS }] },
      alarms: { consensus: { minVantages: 1 } },
      metrics: { detail: "essential" },
      maintenance: [
        { name: "weekly", schedule: "cron(0 2 * * SUN)", durationMinutes: 90, timezone: "Europe/Paris" },
      ],
    });
    expect(config.deployment.vantages).toEqual([
      { region: "eu-west-3" },
      { region: "us-east-1", vpc: SUBNETS },
    ]);
    const defaults = configOf({ targets: TARGETS });
    expect(defaults.deployment.vantages).toBeUndefined();
    expect(defaults.alarms.consensus).toEqual({});
    expect(defaults.metrics).toEqual({});
    expect(defaults.maintenance).toEqual([]);
  });

  it("reports every problem of the new fields at once, with its path", () => {
    const issues = issuesOf({
      targets: TARGETS,
      deployment: {
        vantages: ["eu-west-3", "eu-west-3", "mars-1", ...Array.from({ length: 6 }, () => "us-east-1")],
      },
      metrics: { detail: "everything" },
      maintenance: [
        { name: "weekly", schedule: "cron(0 2 * *)", durationMinutes: 0 },
        { name: "weekly", schedule: "at(2026-02-30T10:00)", durationMinutes: 30, components: ["monitor"] },
        { name: "bad name!", schedule: "rate(1 day)", durationMinutes: 22_000, timezone: "Mars/Olympus" },
      ],
    });
    const paths = issues.map((issue) => issue.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "deployment.vantages",
        "metrics.detail",
        "maintenance[0].schedule",
        "maintenance[0].durationMinutes",
        "maintenance[1].schedule",
        "maintenance[1].components[0]",
        "maintenance[2].name",
        "maintenance[2].schedule",
        "maintenance[2].durationMinutes",
        "maintenance[2].timezone",
      ]),
    );
    expect(issues.find((issue) => issue.path === "deployment.vantages")?.message).toMatch(/8/);
    expect(
      issuesOf({ targets: TARGETS, deployment: { region: "eu-west-3", vantages: ["eu-west-3", "mars-1"] } }),
    ).toEqual([{ path: "deployment.vantages[1]", message: "must be an AWS region such as eu-west-3" }]);
  });

  it("needs the home region with vantages, each region once, and one VPC for the home region", () => {
    const issues = issuesOf({
      targets: TARGETS,
      deployment: { vantages: ["us-east-1", "us-east-1"] },
    });
    expect(issues).toContainEqual({
      path: "deployment.region",
      message: expect.stringContaining("is required with vantages"),
    });
    expect(issues).toContainEqual({ path: "deployment.vantages[1]", message: "us-east-1 is listed twice" });
    const vpc = issuesOf({
      targets: TARGETS,
      deployment: { region: "eu-west-3", vpc: SUBNETS, vantages: [{ region: "eu-west-3", vpc: SUBNETS }] },
    });
    expect(vpc.map((issue) => issue.path)).toEqual(["deployment.vantages[0].vpc"]);
  });

  it("refuses a minVantages above the number of vantages, and a vantage name with several vantages", () => {
    const issues = issuesOf({
      targets: TARGETS,
      vantage: "paris",
      deployment: { region: "eu-west-3", vantages: ["eu-west-3", "us-east-1"] },
      alarms: { consensus: { minVantages: 3 } },
    });
    expect(issues.map((issue) => issue.path).sort()).toEqual(["alarms.consensus.minVantages", "vantage"]);
    expect(issuesOf({ targets: TARGETS, alarms: { consensus: { minVantages: 2 } } })[0]?.message).toContain(
      "number of vantages (1)",
    );
  });

  it("accepts the schedule forms CloudWatch's mute rules take, and says what is wrong with the others", () => {
    for (const good of [
      "cron(0 2 * * SUN)",
      "cron(30 22 * * MON-FRI)",
      "cron(0 1 1 * *)",
      "cron(0,30 8-18 * JAN,JUL *)",
      "at(2026-12-24T18:00)",
    ]) {
      expect(scheduleProblem(good), good).toBeUndefined();
    }
    expect(scheduleProblem("cron(0 2 * * * *)")).toContain("5 fields");
    expect(scheduleProblem("cron(60 2 * * *)")).toContain("minutes");
    expect(scheduleProblem("cron(0 2 1 * SUN)")).toContain("not both");
    expect(scheduleProblem("cron(0 2 * FOO *)")).toContain("month");
    expect(scheduleProblem("at(2026-13-01T00:00)")).toContain("not a real date");
    expect(scheduleProblem("rate(5 minutes)")).toContain("cron(");
  });
});

describe("planVantages", () => {
  it("takes a strict majority by default", () => {
    expect([1, 2, 3, 4, 5, 8].map(majority)).toEqual([1, 2, 2, 3, 3, 5]);
    expect(planVantages(three()).minVantages).toBe(2);
    expect(planVantages(three({ alarms: { consensus: { minVantages: 3 } } })).minVantages).toBe(3);
  });

  it("is the home stack's own region, unnamed and full, without vantages (today's single stack)", () => {
    const plan = planVantages(configOf({ targets: TARGETS }));
    expect(plan).toMatchObject({ home: undefined, consensus: false, minVantages: 1 });
    expect(plan.vantages).toEqual([
      { region: undefined, name: undefined, home: true, primary: true, detail: "full" },
    ]);
    const named = planVantages(
      configOf({ targets: TARGETS, vantage: "paris", deployment: { vpc: SUBNETS } }),
    );
    expect(named.vantages[0]).toMatchObject({ name: "paris", vpc: SUBNETS });
  });

  it("names several vantages after their regions: full at home, essential elsewhere, the home one reads the white-box sources", () => {
    const plan = planVantages(three());
    expect(plan.vantages.map((v) => [v.name, v.home, v.primary, v.detail])).toEqual([
      ["eu-west-3", true, true, "full"],
      ["us-east-1", false, false, "essential"],
      ["ap-southeast-1", false, false, "essential"],
    ]);
    expect(planVantages(three({ metrics: { detail: "full" } })).vantages.map((v) => v.detail)).toEqual([
      "full",
      "full",
      "full",
    ]);
  });

  it("lets the first vantage read the white-box sources when the home region does not probe, with its own VPC", () => {
    const plan = planVantages(
      configOf({
        targets: TARGETS,
        deployment: {
          region: "eu-west-3",
          vpc: SUBNETS,
          vantages: [{ region: "eu-central-1", vpc: SUBNETS }, "us-east-1"],
        },
      }),
    );
    expect(plan.primary).toMatchObject({ region: "eu-central-1", home: false, primary: true, vpc: SUBNETS });
    expect(plan.vantages[1]).not.toHaveProperty("vpc");
    expect(plan.vantages.every((vantage) => !vantage.home)).toBe(true);
  });
});

describe("the alarms of several vantages", () => {
  it("makes every alarm on a check's Up a consensus alarm, keeping its window, and nothing else", () => {
    const single = planConfig(configOf({ targets: TARGETS, deployment: { region: "eu-west-3" } }));
    const plan = planConfig(three({ alarms: { backendDown: { threshold: 0.5, evaluationPeriods: 3 } } }));
    const upAlarms = single.alarms.filter(
      (alarm) => alarm.source.kind === "contract" && alarm.source.spec === CheckMetrics.Up,
    );
    expect(upAlarms.map((alarm) => alarm.id)).toEqual(["backendDown", "livekitDown", "garageDown"]);
    for (const before of upAlarms) {
      const after = plan.alarms.find((alarm) => alarm.key === before.key);
      expect(after, before.key).toMatchObject({
        name: before.name,
        comparison: ">=",
        threshold: 2,
        evaluationPeriods: before.id === "backendDown" ? 3 : before.evaluationPeriods,
        datapointsToAlarm: before.id === "backendDown" ? 3 : before.datapointsToAlarm,
        missingData: "ignore",
        source: {
          kind: "consensus",
          vantages: ["eu-west-3", "us-east-1", "ap-southeast-1"],
          minVantages: 2,
          down: { comparison: "<", threshold: before.id === "backendDown" ? 0.5 : 1 },
        },
      });
    }
    // The other alarms keep their plain metric, read from the primary vantage.
    const kinds = new Set(plan.alarms.filter((a) => a.source.kind === "consensus").map((a) => a.id));
    expect([...kinds]).toEqual(["backendDown", "livekitDown", "garageDown"]);
    expect(plan.alarms.find((alarm) => alarm.id === "garageDegraded")?.source.kind).toBe("contract");
  });

  it("replaces Monitor silent by Consensus lost and one Vantage silent per region, and adds Partial outage per check", () => {
    const plan = planConfig(three());
    const byId = (id: string) => plan.alarms.filter((alarm) => alarm.id === id);
    expect(byId("monitorSilent")).toEqual([]);
    expect(plan.skipped).toContainEqual({
      id: "monitorSilent",
      reason: "not-configured",
      detail: "needs one vantage (the default)",
    });
    expect(byId("consensusLost").map((a) => [a.name, a.severity, a.source])).toEqual([
      [
        "Meet-monitor-consensus-lost",
        "critical",
        { kind: "quorum", vantages: ["eu-west-3", "us-east-1", "ap-southeast-1"], minVantages: 2 },
      ],
    ]);
    expect(byId("vantageSilent").map((a) => [a.key, a.name, a.severity, a.component])).toEqual([
      ["vantageSilent-eu-west-3", "Meet-monitor-eu-west-3-silent", "warning", "monitor"],
      ["vantageSilent-us-east-1", "Meet-monitor-us-east-1-silent", "warning", "monitor"],
      ["vantageSilent-ap-southeast-1", "Meet-monitor-ap-southeast-1-silent", "warning", "monitor"],
    ]);
    expect(byId("vantageSilent")[1]?.source).toEqual({
      kind: "contract",
      spec: expect.objectContaining({ name: "MonitorHeartbeat" }),
      vantage: "us-east-1",
    });
    expect(byId("partialOutage").map((a) => [a.key, a.name, a.component, a.evaluationPeriods])).toEqual([
      ["partialOutage-backend", "Meet-backend-partial-outage", "backend", 5],
      ["partialOutage-livekit", "Meet-livekit-partial-outage", "livekit", 5],
      ["partialOutage-garage", "Meet-garage-partial-outage", "garage", 5],
    ]);
    expect(byId("probeFunctionFailing")).toHaveLength(1);
  });

  it("names each vantage and its metric id in the descriptions", () => {
    const plan = planConfig(three());
    const down = plan.alarms.find((alarm) => alarm.id === "backendDown");
    expect(down?.description).toContain(
      "Rule: vantages seeing Up of backend (Minimum per 60 s) < 1, among eu-west-3 (up_eu_west_3), us-east-1 (up_us_east_1), ap-southeast-1 (up_ap_southeast_1), >= 2 for 2 of 2 periods (a silent vantage counts as not down",
    );
    const lost = plan.alarms.find((alarm) => alarm.id === "consensusLost");
    expect(lost?.description).toContain("heartbeat_us_east_1");
    for (const alarm of plan.alarms) expect(alarm.description.length, alarm.key).toBeLessThanOrEqual(1024);
  });

  it("leaves out Partial outage when one vantage is enough, and the function alarm when home does not probe", () => {
    const plan = planConfig(
      configOf({
        targets: TARGETS,
        deployment: { region: "eu-west-3", vantages: ["us-east-1", "ap-southeast-1"] },
        alarms: { consensus: { minVantages: 1 } },
      }),
    );
    const ids = plan.alarms.map((alarm) => alarm.id);
    expect(ids).not.toContain("partialOutage");
    expect(ids).not.toContain("probeFunctionFailing");
    expect(plan.skipped.map((skipped) => skipped.id)).toEqual(
      expect.arrayContaining(["partialOutage", "probeFunctionFailing", "monitorSilent"]),
    );
  });

  it("keeps today's alarms with one vantage, even one outside the home region", () => {
    const today = planConfig(configOf({ targets: TARGETS }));
    expect(today.alarms.map((alarm) => alarm.source.kind)).not.toContain("consensus");
    expect(today.alarms.map((alarm) => alarm.id)).not.toEqual(
      expect.arrayContaining(["consensusLost", "vantageSilent", "partialOutage"]),
    );
    const away = planConfig(
      configOf({ targets: TARGETS, deployment: { region: "eu-west-3", vantages: ["us-east-1"] } }),
    );
    expect(away.alarms.map((alarm) => alarm.id)).toContain("monitorSilent");
    expect(away.alarms.map((alarm) => alarm.id)).not.toContain("probeFunctionFailing");
    expect(away.vantages.primary.name).toBe("us-east-1");
  });
});

describe("the deep checks over several vantages", () => {
  const deep = configOf({
    targets: {
      backend: { url: "https://meet-backend.example.org", webhook: true },
      livekit: { url: "https://livekit.example.org", apiKey: "APIk", apiSecret: { env: "LIVEKIT_SECRET" } },
      garage: {
        adminUrl: "https://garage-admin.example.org",
        metrics: false,
        s3: {
          endpoint: "https://s3.example.org",
          bucket: "meet",
          accessKeyId: "GK",
          secretAccessKey: { env: "S3" },
        },
      },
    },
    deployment: { region: "eu-west-3", vantages: ["eu-west-3", "us-east-1", "ap-southeast-1"] },
  });

  it("makes their alarms on Up consensus alarms too, each on its own Check, without listing them", () => {
    const plan = planConfig(deep);
    const consensus = plan.alarms.filter((alarm) => alarm.source.kind === "consensus");
    expect(
      consensus.map((alarm) => [
        alarm.name,
        alarm.source.kind === "consensus" ? (alarm.source.check ?? "health check") : "",
      ]),
    ).toEqual([
      ["Meet-backend-down", "health check"],
      ["Meet-livekit-down", "health check"],
      ["Meet-garage-down", "health check"],
      ["Meet-livekit-join-failing", "join"],
      ["Meet-livekit-turn-udp-failing", "turn-udp"],
      ["Meet-livekit-turn-tcp-failing", "turn-tcp"],
      ["Meet-livekit-turn-tls-failing", "turn-tls"],
      ["Meet-backend-webhook-rejected", "webhook"],
      ["Meet-garage-s3-failing", "s3"],
    ]);
    // Every alarm on a check's Up, whatever its id: nothing on Up is left plain.
    const plainUp = plan.alarms.filter(
      (alarm) => alarm.source.kind === "contract" && alarm.source.spec === CheckMetrics.Up,
    );
    expect(plainUp).toEqual([]);
    expect(plan.alarms.find((alarm) => alarm.id === "turnAllFailing")?.source.kind).toBe("contract");
  });

  it("gives each check its partial-outage alarm, named like the check's own alarms", () => {
    const plan = planConfig(deep);
    const partial = plan.alarms.filter((alarm) => alarm.id === "partialOutage");
    expect(partial.map((alarm) => alarm.name)).toEqual([
      "Meet-backend-partial-outage",
      "Meet-livekit-partial-outage",
      "Meet-garage-partial-outage",
      "Meet-livekit-join-partial-outage",
      "Meet-livekit-turn-udp-partial-outage",
      "Meet-livekit-turn-tcp-partial-outage",
      "Meet-livekit-turn-tls-partial-outage",
      "Meet-backend-webhook-partial-outage",
      "Meet-garage-s3-partial-outage",
    ]);
    const keys = plan.alarms.map((alarm) => alarm.key);
    const names = plan.alarms.map((alarm) => alarm.name);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(names).size).toBe(names.length);
  });
});
