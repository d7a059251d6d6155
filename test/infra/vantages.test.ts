/**
 * The synthesized stacks of 1, 2 and 3 vantages: which stacks, in which regions, where each probe
 * publishes, what the consensus expressions decide (evaluated from the template itself), the
 * vantages' own alarms, the maintenance windows' mute rules, and cdk-nag on every stack.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { Alarm, Metric } from "aws-cdk-lib/aws-cloudwatch";
import { AwsSolutionsChecks } from "cdk-nag";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONFIG_FILE_NAME, METRICS_REGION_ENV, WHITEBOX_ENV } from "../../functions/shared/config/bundled.ts";
import type { MonitorConfigInput } from "../../functions/shared/config/index.ts";
import { configWarnings } from "../../infra/deploy-config.ts";
import { MaintenanceWindows } from "../../infra/maintenance-windows.ts";
import { countStates, decide, everyCombination, type VantageState } from "../../support/vantage-states.ts";
import { cleanUp, parse, resourcesOf, type SynthesizedStacks, synthStacks } from "./synth.ts";

const SECRET = "arn:aws:secretsmanager:eu-west-3:123456789012:secret:meet/livekit-prometheus";
const TARGETS = {
  backend: { url: "https://meet-backend.example.org" },
  livekit: {
    url: "https://livekit.example.org",
    metricsUrl: "https://livekit.example.org:6789/metrics",
    metricsBasicAuth: { username: "prometheus", password: { secretArn: SECRET } },
  },
  garage: { adminUrl: "https://garage-admin.example.org" },
};
const THREE = ["eu-west-3", "us-east-1", "ap-southeast-1"];

const withVantages = (vantages: string[] | undefined, extra: Partial<MonitorConfigInput> = {}) =>
  ({
    targets: TARGETS,
    alerts: { critical: { emails: ["oncall@example.org"] }, warning: { emails: ["ops@example.org"] } },
    deployment: { region: "eu-west-3", ...(vantages ? { vantages } : {}) },
    ...extra,
  }) satisfies MonitorConfigInput;

let one: SynthesizedStacks;
let listedHome: SynthesizedStacks;
let two: SynthesizedStacks;
let three: SynthesizedStacks;
let away: SynthesizedStacks;

beforeAll(() => {
  one = synthStacks(withVantages(undefined));
  listedHome = synthStacks(withVantages(["eu-west-3"]));
  two = synthStacks(withVantages(["eu-west-3", "us-east-1"]));
  three = synthStacks(
    withVantages(THREE, {
      maintenance: [
        { name: "weekly", schedule: "cron(0 2 * * SUN)", durationMinutes: 120, timezone: "Europe/Paris" },
        { name: "db", schedule: "at(2030-05-01T20:00)", durationMinutes: 30, components: ["backend"] },
      ],
    }),
  );
  away = synthStacks(withVantages(["us-east-1", "ap-southeast-1"]));
}, 240_000);
afterAll(cleanUp);

type AlarmProperties = Record<string, unknown> & {
  AlarmName: string;
  Metrics?: {
    Id: string;
    Expression?: string;
    ReturnData?: boolean;
    MetricStat?: { Metric: { Dimensions: { Name: string; Value: string }[]; MetricName: string } };
  }[];
};

function alarms(template: Template): AlarmProperties[] {
  return Object.values(resourcesOf(template, "AWS::CloudWatch::Alarm")).map(
    (alarm) => alarm.Properties as AlarmProperties,
  );
}

function alarmNamed(template: Template, name: string): AlarmProperties {
  const found = alarms(template).find((alarm) => alarm.AlarmName === name);
  if (!found) throw new Error(`no alarm ${name}`);
  return found;
}

function functionOf(
  template: Template,
): Record<string, unknown> & { Environment?: { Variables: Record<string, string> } } {
  const functions = Object.values(resourcesOf(template, "AWS::Lambda::Function"));
  expect(functions).toHaveLength(1);
  return functions[0]?.Properties as Record<string, unknown>;
}

function bundledConfig(s: SynthesizedStacks, template: Template): Record<string, unknown> {
  const code = functionOf(template).Code as { S3Key: string };
  const asset = `asset.${code.S3Key.replace(/\.zip$/, "")}`;
  return JSON.parse(readFileSync(join(s.outdir, asset, CONFIG_FILE_NAME), "utf8")) as Record<string, unknown>;
}

function statements(template: Template): Record<string, unknown>[] {
  const role = Object.values(resourcesOf(template, "AWS::IAM::Role"))[0]?.Properties ?? {};
  return (role.Policies as { PolicyDocument: { Statement: Record<string, unknown>[] } }[]).flatMap(
    (policy) => policy.PolicyDocument.Statement,
  );
}

/**
 * What an alarm of the template decides when the vantages are in these states: the datapoints
 * each state publishes (Up 1 or 0 and a heartbeat, or nothing) fed to the alarm's own Metrics.
 */
function decision(alarm: AlarmProperties, states: Record<string, VantageState>) {
  const metrics = alarm.Metrics ?? [];
  const values: Record<string, number | undefined> = {};
  for (const query of metrics) {
    if (!query.MetricStat) continue;
    const { Dimensions, MetricName } = query.MetricStat.Metric;
    const vantage = Dimensions.find((dimension) => dimension.Name === "Vantage")?.Value ?? "";
    const state = states[vantage];
    if (state === undefined)
      throw new Error(`${alarm.AlarmName} reads vantage ${vantage}, not in the states`);
    values[query.Id] =
      MetricName === "MonitorHeartbeat"
        ? state === "silent"
          ? undefined
          : 1
        : { up: 1, down: 0, silent: undefined }[state];
  }
  const watched = metrics.find((query) => query.ReturnData !== false)?.Id ?? "";
  const queries = metrics.map((query) => ({
    id: query.Id,
    ...(query.Expression ? { expression: query.Expression } : {}),
  }));
  return decide(queries, watched, values, alarm.Threshold as number);
}

describe("one vantage (the default)", () => {
  it("is today's single stack: no consensus math, no vantage alarms, no mute rule, the probe as before", () => {
    expect(one.probes).toEqual([]);
    const names = alarms(one.homeTemplate).map((alarm) => alarm.AlarmName);
    expect(names).toContain("Meet-monitor-silent");
    expect(names).toContain("Meet-monitor-function-failing");
    expect(names.filter((name) => /consensus|partial|-silent$/.test(name))).toEqual(["Meet-monitor-silent"]);
    for (const alarm of alarms(one.homeTemplate)) {
      expect(JSON.stringify(alarm.Metrics ?? []), alarm.AlarmName).not.toMatch(/FILL|down_or_silent/);
    }
    one.homeTemplate.resourceCountIs("AWS::CloudWatch::AlarmMuteRule", 0);
    expect(functionOf(one.homeTemplate).Environment).toBeUndefined();
    expect(
      statements(one.homeTemplate).find((s) => s.Sid === "PublishMetricsToOwnNamespace")?.Condition,
    ).toEqual({
      StringEquals: { "cloudwatch:namespace": "LaSuiteMeet" },
    });
    expect(bundledConfig(one, one.homeTemplate)).not.toHaveProperty("metrics");
  });

  it("is the same template when deployment.vantages lists the home region alone", () => {
    expect(listedHome.probes).toEqual([]);
    expect(listedHome.homeTemplate.toJSON()).toEqual(one.homeTemplate.toJSON());
  });
});

describe("two and three vantages", () => {
  it("deploys the home stack in the home region and a probe stack per other vantage, in its region", () => {
    expect(two.home.region).toBe("eu-west-3");
    expect(two.probes.map(({ stack }) => [stack.stackName, stack.region])).toEqual([
      ["MeetMonitor-us-east-1", "us-east-1"],
    ]);
    expect(three.probes.map(({ stack }) => [stack.stackName, stack.region])).toEqual([
      ["MeetMonitor-us-east-1", "us-east-1"],
      ["MeetMonitor-ap-southeast-1", "ap-southeast-1"],
    ]);
    for (const { template } of three.probes) {
      template.resourceCountIs("AWS::CloudWatch::Alarm", 0);
      template.resourceCountIs("AWS::CloudWatch::Dashboard", 0);
      template.resourceCountIs("AWS::SNS::Topic", 0);
      // Nothing named account-wide: the role's name is generated per stack.
      expect(Object.values(resourcesOf(template, "AWS::IAM::Role"))[0]?.Properties.RoleName).toBeUndefined();
      template.hasOutput("ProbeFunctionName", {});
    }
    three.homeTemplate.resourceCountIs("AWS::Lambda::Function", 1);
    three.homeTemplate.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
  });

  it("has every probe publish to the home region with its own region as Vantage; only home reads the white-box sources and their secret", () => {
    const home = functionOf(three.homeTemplate);
    expect(home.Environment).toBeUndefined();
    expect(bundledConfig(three, three.homeTemplate)).not.toHaveProperty("vantage");
    expect(JSON.stringify(statements(three.homeTemplate))).toContain(SECRET);
    for (const { stack, template } of three.probes) {
      expect(functionOf(template).Environment).toEqual({
        Variables: { [METRICS_REGION_ENV]: "eu-west-3", [WHITEBOX_ENV]: "off" },
      });
      expect(bundledConfig(three, template)).toMatchObject({
        vantage: stack.region,
        metrics: { detail: "essential" },
      });
      const publish = statements(template).find((s) => s.Sid === "PublishMetricsToOwnNamespace");
      expect(publish).toMatchObject({
        Action: "cloudwatch:PutMetricData",
        Resource: "*",
        Condition: {
          StringEquals: { "cloudwatch:namespace": "LaSuiteMeet", "aws:RequestedRegion": "eu-west-3" },
        },
      });
      expect(JSON.stringify(statements(template))).not.toContain("secretsmanager");
    }
  });

  it("makes each down alarm a consensus alarm: its threshold, its window, and a vantage per metric", () => {
    for (const [synthesized, vantages, minVantages] of [
      [two, THREE.slice(0, 2), 2],
      [three, THREE, 2],
    ] as const) {
      for (const [name, periods] of [
        ["Meet-backend-down", 2],
        ["Meet-livekit-down", 1],
        ["Meet-garage-down", 2],
      ] as const) {
        const alarm = alarmNamed(synthesized.homeTemplate, name);
        expect(alarm, name).toMatchObject({
          ComparisonOperator: "GreaterThanOrEqualToThreshold",
          Threshold: minVantages,
          EvaluationPeriods: periods,
          DatapointsToAlarm: periods,
          TreatMissingData: "ignore",
        });
        const read = (alarm.Metrics ?? []).flatMap((query) =>
          query.MetricStat
            ? [query.MetricStat.Metric.Dimensions.find((d) => d.Name === "Vantage")?.Value]
            : [],
        );
        expect(read).toEqual(vantages);
        for (const vantage of vantages)
          expect(alarm.AlarmDescription as string).toContain(
            `${vantage} (up_${vantage.replaceAll("-", "_")})`,
          );
      }
    }
  });

  it("decides, from the template's own expressions, as the consensus rule says for every combination of states", () => {
    for (const [synthesized, vantages] of [
      [two, THREE.slice(0, 2)],
      [three, THREE],
    ] as const) {
      const down = alarmNamed(synthesized.homeTemplate, "Meet-livekit-down");
      const lost = alarmNamed(synthesized.homeTemplate, "Meet-monitor-consensus-lost");
      const partial = alarmNamed(synthesized.homeTemplate, "Meet-livekit-partial-outage");
      for (const states of everyCombination(vantages)) {
        const { up, down: seenDown, silent } = countStates(states);
        const label = JSON.stringify(states);
        expect(decision(down, states), label).toBe(
          seenDown >= 2 ? "breaching" : seenDown + silent < 2 ? "not breaching" : "no datapoint",
        );
        expect(decision(lost, states), label).toBe(up + seenDown < 2 ? "breaching" : "not breaching");
        expect(decision(partial, states), label).toBe(
          seenDown >= 1 && seenDown < 2 ? "breaching" : "not breaching",
        );
      }
    }
  });

  it("replaces Monitor silent by Consensus lost (critical) and a Vantage silent (warning) per region", () => {
    const names = alarms(three.homeTemplate).map((alarm) => alarm.AlarmName);
    expect(names).not.toContain("Meet-monitor-silent");
    expect(alarmNamed(three.homeTemplate, "Meet-monitor-consensus-lost")).toMatchObject({
      EvaluationPeriods: 3,
      TreatMissingData: "breaching",
      AlarmActions: [{ Ref: expect.stringMatching(/^NotificationsCritical/) }],
    });
    for (const region of THREE) {
      expect(alarmNamed(three.homeTemplate, `Meet-monitor-${region}-silent`)).toMatchObject({
        MetricName: "MonitorHeartbeat",
        Dimensions: [{ Name: "Vantage", Value: region }],
        Statistic: "Sum",
        ComparisonOperator: "LessThanThreshold",
        Threshold: 1,
        EvaluationPeriods: 3,
        TreatMissingData: "breaching",
        AlarmActions: [{ Ref: expect.stringMatching(/^NotificationsWarning/) }],
      });
    }
    for (const component of ["backend", "livekit", "garage"]) {
      expect(alarmNamed(three.homeTemplate, `Meet-${component}-partial-outage`)).toMatchObject({
        EvaluationPeriods: 5,
        DatapointsToAlarm: 5,
        TreatMissingData: "notBreaching",
        AlarmActions: [{ Ref: expect.stringMatching(/^NotificationsWarning/) }],
      });
    }
  });

  it("reads the white-box figures, certificates and Garage degraded from the home vantage only", () => {
    for (const name of [
      "Meet-livekit-high-packet-loss",
      "Meet-livekit-metrics-unreadable",
      "Meet-garage-degraded",
      "Meet-livekit-certificate-expiring",
    ]) {
      const alarm = alarmNamed(three.homeTemplate, name);
      expect(alarm.Metrics, name).toBeUndefined();
      expect(alarm.Dimensions, name).toContainEqual({ Name: "Vantage", Value: "eu-west-3" });
    }
  });

  it("shows each vantage's Up, Latency and heartbeat on the dashboard", () => {
    const dashboard = Object.values(resourcesOf(three.homeTemplate, "AWS::CloudWatch::Dashboard"))[0];
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const region of THREE) {
      expect(body).toContain(`Up ${region}`);
      expect(body).toContain(`Latency ${region}`);
      expect(body).toContain(`MonitorHeartbeat ${region}`);
    }
  });

  it("is clean for cdk-nag's AwsSolutions pack, every stack", () => {
    for (const stack of [
      three.home,
      ...three.probes.map((probe) => probe.stack),
      away.home,
      ...away.probes.map((probe) => probe.stack),
    ]) {
      const report = new AwsSolutionsChecks().validateScope(stack);
      expect(report.violations, stack.stackName).toEqual([]);
    }
  });
});

describe("a home region that does not probe", () => {
  it("has no probe, no function alarm, and the first vantage reads the white-box sources", () => {
    away.homeTemplate.resourceCountIs("AWS::Lambda::Function", 0);
    const names = alarms(away.homeTemplate).map((alarm) => alarm.AlarmName);
    expect(names).not.toContain("Meet-monitor-function-failing");
    expect(names).toContain("Meet-monitor-consensus-lost");
    expect(alarmNamed(away.homeTemplate, "Meet-livekit-high-packet-loss").Dimensions).toContainEqual({
      Name: "Vantage",
      Value: "us-east-1",
    });
    const [first, second] = away.probes;
    expect(functionOf(first?.template as Template).Environment).toEqual({
      Variables: { [METRICS_REGION_ENV]: "eu-west-3" },
    });
    expect(JSON.stringify(statements(first?.template as Template))).toContain(SECRET);
    expect(functionOf(second?.template as Template).Environment?.Variables[WHITEBOX_ENV]).toBe("off");
    expect(away.homeTemplate.toJSON().Outputs).not.toHaveProperty("ProbeFunctionName");
  });
});

describe("maintenance windows", () => {
  const rules = () =>
    Object.values(resourcesOf(three.homeTemplate, "AWS::CloudWatch::AlarmMuteRule")).map(
      (rule) => rule.Properties,
    );
  const alarmNameOf = (ref: unknown): string => {
    const id = (ref as { Ref: string }).Ref;
    return String(resourcesOf(three.homeTemplate, "AWS::CloudWatch::Alarm")[id]?.Properties.AlarmName);
  };

  it("are mute rules with their schedule, time zone and duration, named after the stack", () => {
    expect(rules().map((rule) => [rule.Name, rule.Rule])).toEqual([
      [
        "MeetMonitor-weekly",
        { Schedule: { Duration: "PT2H", Expression: "cron(0 2 * * SUN)", Timezone: "Europe/Paris" } },
      ],
      ["MeetMonitor-db", { Schedule: { Duration: "PT30M", Expression: "at(2030-05-01T20:00)" } }],
    ]);
  });

  it("mute the alarms of their components, every component by default, never the monitor's own", () => {
    const [weekly, db] = rules() as [Record<string, unknown>, Record<string, unknown>];
    const weeklyNames = (weekly.MuteTargets as { AlarmNames: unknown[] }).AlarmNames.map(alarmNameOf);
    const everyAlarm = alarms(three.homeTemplate).map((alarm) => alarm.AlarmName);
    expect(weeklyNames.sort()).toEqual(everyAlarm.filter((name) => !name.startsWith("Meet-monitor-")).sort());
    expect(weeklyNames).toContain("Meet-livekit-high-packet-loss");
    const dbNames = (db.MuteTargets as { AlarmNames: unknown[] }).AlarmNames.map(alarmNameOf);
    expect(dbNames.sort()).toEqual([
      "Meet-backend-certificate-expires-soon",
      "Meet-backend-certificate-expiring",
      "Meet-backend-down",
      "Meet-backend-partial-outage",
    ]);
  });

  it("list each component's alarms in the outputs for npm run maintenance", () => {
    const outputs = three.homeTemplate.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.AlarmRegion?.Value).toBe("eu-west-3");
    expect(String(outputs.AlarmsOfBackend?.Value).split(",").sort()).toEqual([
      "Meet-backend-certificate-expires-soon",
      "Meet-backend-certificate-expiring",
      "Meet-backend-down",
      "Meet-backend-partial-outage",
    ]);
    expect(
      Object.keys(outputs)
        .filter((key) => key.startsWith("AlarmsOf"))
        .sort(),
    ).toEqual(["AlarmsOfBackend", "AlarmsOfGarage", "AlarmsOfLivekit", "AlarmsOfRecording"]);
  });

  it("split a window over several rules beyond 100 alarms", () => {
    const stack = new Stack(new App(), "Many");
    const planned = Array.from(
      { length: 230 },
      (_, index) => ({ component: index % 2 ? "backend" : "monitor" }) as const,
    );
    const created = planned.map(
      (_, index) =>
        new Alarm(stack, `A${index}`, {
          alarmName: `alarm-${index}`,
          metric: new Metric({ namespace: "N", metricName: "M" }),
          threshold: 1,
          evaluationPeriods: 1,
        }),
    );
    new MaintenanceWindows(stack, "Maintenance", {
      stackName: "Many",
      windows: parse({
        targets: TARGETS,
        maintenance: [{ name: "w", schedule: "cron(0 2 * * *)", durationMinutes: 5 }],
      }).maintenance,
      planned: planned as never,
      alarms: created,
    });
    const muted = Object.values(resourcesOf(Template.fromStack(stack), "AWS::CloudWatch::AlarmMuteRule")).map(
      (rule) => [
        rule.Properties.Name,
        (rule.Properties.MuteTargets as { AlarmNames: unknown[] }).AlarmNames.length,
      ],
    );
    expect(muted).toEqual([
      ["Many-w", 100],
      ["Many-w-2", 15],
    ]);
  });

  it("warn about a window that would mute nothing, and about a one-time window already past", () => {
    const config = parse({
      targets: { livekit: { url: "https://livekit.example.org" } },
      maintenance: [
        { name: "db", schedule: "cron(0 2 * * *)", durationMinutes: 5, components: ["database"] },
        { name: "old", schedule: "at(2020-01-01T00:00)", durationMinutes: 5 },
      ],
    });
    expect(configWarnings(config, new Date("2026-01-01T00:00:00Z"))).toEqual(
      expect.arrayContaining([
        'maintenance[0]: no alarm of database is created, so "db" mutes nothing and is not deployed',
        'maintenance[1]: at(2020-01-01T00:00) (UTC) is already past, "old" will never open',
      ]),
    );
  });
});

describe("deploy-time advice for several vantages", () => {
  it("warns when other vantages cannot reach a check, and when deployment.vpc serves no probe", () => {
    const subnets = { subnetIds: ["subnet-0a1b"], securityGroupIds: ["sg-0c1d"] };
    const reachable = parse({
      targets: {
        backend: { url: "http://meet-backend.internal:8000" },
        livekit: { url: "https://livekit.example.org" },
      },
      deployment: {
        region: "eu-west-3",
        vpc: subnets,
        vantages: ["eu-west-3", "us-east-1", "ap-southeast-1"],
      },
    });
    expect(configWarnings(reachable).filter((warning) => warning.startsWith("targets."))).toEqual([
      "targets.backend: meet-backend.internal looks private, and us-east-1, ap-southeast-1 probe outside any VPC: they would report backend down (give each vantage a VPC that reaches it, or a public address)",
    ]);
    const unused = parse({
      targets: { livekit: { url: "https://livekit.example.org" } },
      deployment: { region: "eu-west-3", vpc: subnets, vantages: ["us-east-1", "ap-southeast-1"] },
    });
    expect(configWarnings(unused)).toContain(
      "deployment.vpc: the home region is not one of deployment.vantages, so no probe runs in this VPC (give each vantage its own vpc)",
    );
    const single = parse({
      targets: { backend: { url: "http://meet-backend.internal:8000" } },
      deployment: { vpc: subnets },
    });
    expect(configWarnings(single).filter((warning) => warning.startsWith("targets."))).toEqual([]);
  });
});

describe("deep checks over several vantages", () => {
  it("reads each vantage's Up of the deep check itself (its Check dimension) in its consensus alarm", () => {
    const deep = synthStacks({
      targets: {
        livekit: {
          url: "https://livekit.example.org",
          apiKey: "APIk",
          apiSecret: { secretArn: "arn:aws:secretsmanager:eu-west-3:123456789012:secret:meet/livekit-api" },
          join: { turn: false },
        },
      },
      deployment: { region: "eu-west-3", vantages: ["eu-west-3", "us-east-1"] },
    });
    const join = alarmNamed(deep.homeTemplate, "Meet-livekit-join-failing");
    const read = (join.Metrics ?? []).flatMap((query) =>
      query.MetricStat ? [query.MetricStat.Metric.Dimensions] : [],
    );
    expect(read).toEqual([
      [
        { Name: "Check", Value: "join" },
        { Name: "Component", Value: "livekit" },
        { Name: "Vantage", Value: "eu-west-3" },
      ],
      [
        { Name: "Check", Value: "join" },
        { Name: "Component", Value: "livekit" },
        { Name: "Vantage", Value: "us-east-1" },
      ],
    ]);
    // The join's key pair is a check's credential: the other vantage may read it.
    expect(JSON.stringify(statements(deep.probes[0]?.template as Template))).toContain("meet/livekit-api");
  });
});
