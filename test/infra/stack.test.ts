/**
 * The synthesized template, checked against the issue's alarm table (written out literally here,
 * not derived from the catalogue, so a drift in either is caught) and the deployment contract.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, type Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PUBLISH_BUDGET_MS } from "../../functions/probe/adapters/cloudwatch.ts";
import { checkBudgetMs } from "../../functions/probe/cycle.ts";
import {
  BUNDLED_CONFIG_FORMAT,
  CONFIG_FILE_NAME,
  readBundledConfig,
} from "../../functions/shared/config/bundled.ts";
import { LIMITS, parseConfig } from "../../functions/shared/config/index.ts";
import { ALL_METRICS } from "../../functions/shared/metrics.ts";
import { MAX_DESCRIPTION_LENGTH } from "../../functions/shared/plan/index.ts";
import { lambdaConfig, loadDeployConfig } from "../../infra/deploy-config.ts";
import { HTTPS_RETRY_SPAN_SECONDS } from "../../infra/notifications.ts";
import { PROBE_TIMEOUT_SECONDS } from "../../infra/probe-function.ts";
import { createMonitorStack } from "../../infra/stack.ts";
import { evaluateQueries } from "../../support/metric-math.ts";
import { AWS_SOURCES, EVERY_ALARM, SECRET_ARN } from "./fixtures.ts";
import {
  alarmByName,
  alarmNames,
  cleanUp,
  isTestAlarm,
  logicalId,
  parse,
  resourcesOf,
  type Synthesized,
  synth,
} from "./synth.ts";

const REGION = { Ref: "AWS::Region" };

interface Row {
  readonly name: string;
  readonly metric: string;
  readonly dimensions: Record<string, unknown>;
  readonly statistic: string;
  readonly period: number;
  readonly comparison: string;
  readonly threshold: number;
  readonly evaluationPeriods: number;
  readonly datapoints: number;
  readonly missing: string;
  readonly severity: "critical" | "warning";
}

const up = (component: string, check: string) => ({ Component: component, Check: check, Vantage: REGION });
const figure = (component: string) => ({ Component: component, Vantage: REGION });
const host = (name: string) => ({ Component: "host", Host: name, Vantage: REGION });
const OPERATOR = {
  "<": "LessThanThreshold",
  ">": "GreaterThanThreshold",
  ">=": "GreaterThanOrEqualToThreshold",
} as const;

type Tuple = [
  string,
  string,
  Record<string, unknown>,
  string,
  keyof typeof OPERATOR,
  number,
  number,
  string,
  Row["severity"],
  number?,
  number?,
];

const row = ([
  name,
  metric,
  dimensions,
  statistic,
  op,
  threshold,
  periods,
  missing,
  severity,
  period = 60,
  datapoints = periods,
]: Tuple): Row => ({
  name,
  metric,
  dimensions,
  statistic,
  period,
  comparison: OPERATOR[op],
  threshold,
  evaluationPeriods: periods,
  datapoints,
  missing,
  severity,
});

// biome-ignore format: one row per alarm, like the issue's table
const certificates = (component: string, check: string): Tuple[] => [
  [`Meet-${component}-certificate-expiring`, "CertDaysLeft", up(component, check), "Minimum", "<", 14, 1, "ignore", "warning", 300],
  [`Meet-${component}-certificate-expires-soon`, "CertDaysLeft", up(component, check), "Minimum", "<", 3, 1, "ignore", "critical", 300],
];

/**
 * The issue's table, one line per alarm (name, metric, dimensions, statistic, rule: comparison,
 * threshold, N of N one-minute periods, missing data, severity), for a config where every source
 * is configured and every target uses https; plus one "metrics unreadable" alarm per scraped
 * source (not in the issue: it keeps the white-box alarms from going blind unnoticed).
 */
// biome-ignore format: one row per alarm, like the issue's table
const ISSUE_TABLE: readonly Row[] = ([
  ["Meet-backend-down", "Up", up("backend", "heartbeat"), "Minimum", "<", 1, 2, "ignore", "critical"],
  ["Meet-livekit-down", "Up", up("livekit", "health"), "Minimum", "<", 1, 1, "ignore", "critical"],
  ["Meet-garage-down", "Up", up("garage", "health"), "Minimum", "<", 1, 2, "ignore", "critical"],
  ["Meet-garage-degraded", "Degraded", up("garage", "health"), "Maximum", ">=", 1, 10, "ignore", "warning"],
  ["Meet-backend-high-error-rate", "ErrorRate", figure("backend"), "Average", ">", 1, 5, "notBreaching", "warning"],
  ["Meet-livekit-high-packet-loss", "PacketLoss", figure("livekit"), "Average", ">", 5, 10, "notBreaching", "warning"],
  ["Meet-database-connections-near-limit", "ConnectionsPercent", figure("database"), "Maximum", ">", 80, 5, "notBreaching", "warning"],
  ["Meet-garage-disk-space", "DiskFreePercent", figure("garage"), "Minimum", "<", 20, 5, "notBreaching", "warning"],
  ["Meet-recording-webhook-failures", "WebhookFailures", figure("recording"), "Sum", ">", 0, 15, "notBreaching", "warning"],
  ["Meet-livekit-metrics-unreadable", "SourceUp", figure("livekit"), "Minimum", "<", 1, 15, "ignore", "warning"],
  ["Meet-garage-metrics-unreadable", "SourceUp", figure("garage"), "Minimum", "<", 1, 15, "ignore", "warning"],
  ["Meet-backend-metrics-unreadable", "SourceUp", figure("backend"), "Minimum", "<", 1, 15, "ignore", "warning"],
  ["Meet-database-metrics-unreadable", "SourceUp", figure("database"), "Minimum", "<", 1, 15, "ignore", "warning"],
  ...certificates("backend", "heartbeat"),
  ...certificates("livekit", "health"),
  ...certificates("garage", "health"),
  ["Meet-monitor-silent", "MonitorHeartbeat", { Vantage: REGION }, "Sum", "<", 1, 3, "breaching", "critical"],
  // The guide's other layers (issue 12).
  ["Meet-backend-slow-responses", "ResponseTimeP95", figure("backend"), "Maximum", ">", 1000, 10, "notBreaching", "warning"],
  ["Meet-redis-memory-high", "RedisMemoryPercent", figure("redis"), "Maximum", ">", 90, 10, "notBreaching", "warning"],
  ["Meet-redis-rejected-connections", "RejectedConnections", figure("redis"), "Sum", ">", 0, 5, "notBreaching", "warning"],
  ["Meet-redis-down", "RedisUp", figure("redis"), "Minimum", "<", 1, 2, "ignore", "critical"],
  ["Meet-database-replication-lag", "ReplicationLag", figure("database"), "Maximum", ">", 30, 5, "notBreaching", "warning"],
  ["Meet-database-long-transaction", "LongestTransaction", figure("database"), "Maximum", ">", 600, 1, "notBreaching", "warning"],
  ["Meet-host-db-1-cpu-busy", "CpuBusy", host("db-1"), "Average", ">", 90, 15, "notBreaching", "warning"],
  ["Meet-host-media-1-cpu-busy", "CpuBusy", host("media-1"), "Average", ">", 90, 15, "notBreaching", "warning"],
  ["Meet-host-db-1-memory-low", "MemoryAvailable", host("db-1"), "Minimum", "<", 10, 10, "notBreaching", "warning"],
  ["Meet-host-media-1-memory-low", "MemoryAvailable", host("media-1"), "Minimum", "<", 10, 10, "notBreaching", "warning"],
  ["Meet-host-db-1-disk-space", "FilesystemFree", host("db-1"), "Minimum", "<", 20, 5, "notBreaching", "warning"],
  ["Meet-host-media-1-disk-space", "FilesystemFree", host("media-1"), "Minimum", "<", 20, 5, "notBreaching", "warning"],
  ["Meet-egress-no-worker-available", "EgressAvailable", figure("egress"), "Minimum", "<", 1, 5, "ignore", "critical"],
  ["Meet-egress-recordings-failed", "FailedRecordings", figure("egress"), "Sum", ">", 0, 15, "notBreaching", "warning", 60, 1],
  ["Meet-redis-metrics-unreadable", "SourceUp", figure("redis"), "Minimum", "<", 1, 15, "ignore", "warning"],
  ["Meet-host-metrics-unreadable", "SourceUp", figure("host"), "Minimum", "<", 1, 15, "ignore", "warning"],
  ["Meet-egress-metrics-unreadable", "SourceUp", figure("egress"), "Minimum", "<", 1, 15, "ignore", "warning"],
] satisfies Tuple[]).map(row);

function dimensionList(dimensions: Record<string, unknown>) {
  return Object.entries(dimensions)
    .map(([Name, Value]) => ({ Name, Value }))
    .sort((a, b) => a.Name.localeCompare(b.Name));
}

function sortedDimensions(alarm: Record<string, unknown>) {
  return [...((alarm.Dimensions as { Name: string; Value: unknown }[]) ?? [])].sort((a, b) =>
    a.Name.localeCompare(b.Name),
  );
}

let every: Synthesized;
let aws: Synthesized;
let full: Synthesized;
let minimal: Synthesized;

beforeAll(async () => {
  every = synth(EVERY_ALARM);
  aws = synth(AWS_SOURCES);
  const fullFile = await loadDeployConfig("examples/full.json");
  const minimalFile = await loadDeployConfig("examples/minimal.json");
  if (!fullFile.ok || !minimalFile.ok) throw new Error("the examples must be valid");
  full = synth(fullFile.config);
  minimal = synth(minimalFile.config);
}, 120_000);
afterAll(cleanUp);

describe("alarms: the issue's table", () => {
  const topicRef = (s: Synthesized, severity: "critical" | "warning") => ({
    Ref: logicalId(
      s.template,
      "AWS::SNS::Topic",
      `Notifications${severity === "critical" ? "Critical" : "Warning"}`,
    ),
  });

  it("creates exactly the table's alarms (plus the paging path's) when every source is configured", () => {
    expect(alarmNames(every.template)).toEqual(
      [
        ...ISSUE_TABLE.map((r) => r.name),
        "Meet-monitor-function-failing",
        "Meet-monitor-page-undelivered",
      ].sort(),
    );
  });

  it.each(ISSUE_TABLE.map((r) => [r.name, r] as const))("%s", (name, expected) => {
    const alarm = alarmByName(every.template, name);
    expect(alarm).toMatchObject({
      Namespace: "LaSuiteMeet",
      MetricName: expected.metric,
      Statistic: expected.statistic,
      Period: expected.period,
      ComparisonOperator: expected.comparison,
      Threshold: expected.threshold,
      EvaluationPeriods: expected.evaluationPeriods,
      DatapointsToAlarm: expected.datapoints,
      TreatMissingData: expected.missing,
      ActionsEnabled: true,
    });
    expect(sortedDimensions(alarm)).toEqual(dimensionList(expected.dimensions));
    expect(alarm.AlarmActions).toEqual([topicRef(every, expected.severity)]);
    expect(alarm.OKActions).toEqual([topicRef(every, expected.severity)]);
    expect(alarm.InsufficientDataActions).toBeUndefined();
  });

  it("Probe function failing: AWS/Lambda Errors of the probe, > 0 for 3 of 3 minutes, critical", () => {
    const alarm = alarmByName(every.template, "Meet-monitor-function-failing");
    const fn = logicalId(every.template, "AWS::Lambda::Function", "ProbeFunction");
    expect(alarm).toMatchObject({
      Namespace: "AWS/Lambda",
      MetricName: "Errors",
      Dimensions: [{ Name: "FunctionName", Value: { Ref: fn } }],
      Statistic: "Sum",
      Period: 60,
      ComparisonOperator: "GreaterThanThreshold",
      Threshold: 0,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: "notBreaching",
      AlarmActions: [topicRef(every, "critical")],
      OKActions: [topicRef(every, "critical")],
    });
  });

  it("describes each alarm: meaning, first check, rule and the guide's row, within CloudWatch's limit", () => {
    const backend = String(alarmByName(every.template, "Meet-backend-down").AlarmDescription);
    expect(backend).toContain("/__heartbeat__ failed");
    expect(backend).toContain("First check: the reason in the probe's log");
    expect(backend).toContain("Rule: Up of backend (Minimum per 60 s) < 1 for 2 of 2 periods");
    expect(backend).toContain("Guide row: Backend down | No healthy pods for 2 min | Critical.");
    for (const template of [every.template, aws.template, full.template, minimal.template]) {
      for (const alarm of Object.values(resourcesOf(template, "AWS::CloudWatch::Alarm"))) {
        if (isTestAlarm(alarm.Properties.AlarmName)) continue;
        const description = String(alarm.Properties.AlarmDescription);
        expect(description.length).toBeLessThanOrEqual(MAX_DESCRIPTION_LENGTH);
        expect(description).toMatch(/First check: .+ Rule: .+ Guide row: /);
      }
    }
  });

  it("watches only metrics and dimensions the probe publishes (the metrics contract)", () => {
    for (const s of [every, aws, full, minimal]) {
      for (const alarm of Object.values(resourcesOf(s.template, "AWS::CloudWatch::Alarm"))) {
        const props = alarm.Properties;
        if (props.Namespace !== s.config.namespace) continue;
        const spec = ALL_METRICS.find((metric) => metric.name === props.MetricName);
        expect(spec, String(props.MetricName)).toBeDefined();
        expect(sortedDimensions(props).map((d) => d.Name)).toEqual([...(spec?.dimensions ?? [])].sort());
      }
    }
  });

  it("creates only the alarms whose target or source is configured", () => {
    expect(alarmNames(minimal.template)).toEqual(
      [
        "Meet-backend-down",
        "Meet-garage-degraded",
        "Meet-garage-disk-space",
        "Meet-garage-down",
        "Meet-garage-metrics-unreadable",
        "Meet-livekit-certificate-expires-soon",
        "Meet-livekit-certificate-expiring",
        "Meet-livekit-down",
        "Meet-monitor-function-failing",
        "Meet-monitor-silent",
      ].sort(),
    );
  });

  it("uses the configured vantage as the Vantage dimension when there is one", () => {
    const alarm = alarmByName(minimal.template, "Meet-backend-down");
    expect(sortedDimensions(alarm)).toContainEqual({ Name: "Vantage", Value: "eu-west-3" });
    expect(sortedDimensions(alarmByName(minimal.template, "Meet-monitor-silent"))).toEqual([
      { Name: "Vantage", Value: "eu-west-3" },
    ]);
  });
});

describe("alarms: overrides, disabled alarms and the AWS metric-math variants", () => {
  it("applies the prefix, namespace, thresholds and periods from the config; datapoints follow a longer window", () => {
    expect(alarmByName(aws.template, "Prod-backend-down")).toMatchObject({
      Namespace: "Meet/Prod",
      Threshold: 0.5,
      EvaluationPeriods: 4,
      DatapointsToAlarm: 4,
    });
    expect(alarmByName(aws.template, "Prod-monitor-silent")).toMatchObject({
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      TreatMissingData: "breaching",
    });
    expect(alarmByName(aws.template, "Prod-livekit-high-packet-loss")).toMatchObject({
      EvaluationPeriods: 10,
      DatapointsToAlarm: 8,
    });
    expect(alarmByName(aws.template, "Prod-backend-certificate-expiring")).toMatchObject({ Threshold: 30 });
    expect(alarmByName(full.template, "Meet-garage-degraded")).toMatchObject({
      EvaluationPeriods: 15,
      DatapointsToAlarm: 15,
    });
  });

  it("leaves out disabled alarms and keeps the rest", () => {
    const names = alarmNames(aws.template);
    expect(names).not.toContain("Prod-livekit-down");
    expect(alarmNames(full.template)).not.toContain("Meet-recording-webhook-failures");
    expect(names).toEqual(
      [
        "Prod-backend-certificate-expires-soon",
        "Prod-backend-certificate-expiring",
        "Prod-backend-down",
        "Prod-backend-high-error-rate",
        "Prod-database-connections-near-limit",
        "Prod-livekit-high-packet-loss",
        "Prod-livekit-metrics-unreadable",
        "Prod-monitor-function-failing",
        "Prod-monitor-silent",
        "Prod-recording-webhook-failures",
        "Prod-backend-slow-responses",
        "Prod-database-replication-lag",
        "Prod-redis-memory-high",
      ].sort(),
    );
  });

  const albMetric = (id: string, name: string, dimensions: Record<string, string>) => ({
    Id: id,
    ReturnData: false,
    MetricStat: {
      Metric: { Namespace: "AWS/ApplicationELB", MetricName: name, Dimensions: dimensionList(dimensions) },
      Period: 60,
      Stat: "Sum",
    },
  });

  /** The alarm's metric math and its inputs, as the template has them. */
  function albAlarm(template: Template, name: string) {
    const metrics = alarmByName(template, name).Metrics as Record<string, unknown>[];
    const watched = metrics.find((metric) => metric.ReturnData === true);
    return {
      metrics,
      returned: watched?.ReturnData,
      /** What the alarm sees for one minute's datapoints (the evaluator of support/metric-math.ts). */
      rate: (datapoints: Record<string, number | undefined>) =>
        evaluateQueries(
          metrics.map((metric) => ({
            id: String(metric.Id),
            ...(typeof metric.Expression === "string" ? { expression: metric.Expression } : {}),
          })),
          String(watched?.Id),
          datapoints,
        ),
    };
  }

  it("computes the ALB error rate from five AWS/ApplicationELB counts, the target group on its own two", () => {
    const alarm = alarmByName(full.template, "Meet-backend-high-error-rate");
    const lb = "app/meet-backend/50dc6c495c0c9188";
    const tg = "targetgroup/meet-backend/73e2d6bc24d8a067";
    expect(alarm.MetricName).toBeUndefined();
    expect(alarm).toMatchObject({
      ComparisonOperator: "GreaterThanThreshold",
      Threshold: 1,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      TreatMissingData: "notBreaching",
    });
    const { metrics, returned } = albAlarm(full.template, "Meet-backend-high-error-rate");
    expect(metrics).toHaveLength(6);
    expect(returned).toBe(true);
    expect(metrics).toContainEqual(
      albMetric("requests", "RequestCount", { LoadBalancer: lb, TargetGroup: tg }),
    );
    expect(metrics).toContainEqual(
      albMetric("target5xx", "HTTPCode_Target_5XX_Count", { LoadBalancer: lb, TargetGroup: tg }),
    );
    expect(metrics).toContainEqual(albMetric("elb5xx", "HTTPCode_ELB_5XX_Count", { LoadBalancer: lb }));
    expect(metrics).toContainEqual(albMetric("elb502", "HTTPCode_ELB_502_Count", { LoadBalancer: lb }));
    expect(metrics).toContainEqual(albMetric("elb504", "HTTPCode_ELB_504_Count", { LoadBalancer: lb }));
  });

  it("uses only the LoadBalancer dimension without a target group", () => {
    const lb = { LoadBalancer: "app/meet/0123456789abcdef" };
    const { metrics } = albAlarm(aws.template, "Prod-backend-high-error-rate");
    expect(metrics).toContainEqual(albMetric("requests", "RequestCount", lb));
    expect(metrics).toContainEqual(albMetric("target5xx", "HTTPCode_Target_5XX_Count", lb));
    expect(metrics).toContainEqual(albMetric("elb5xx", "HTTPCode_ELB_5XX_Count", lb));
    expect(metrics).toContainEqual(albMetric("elb502", "HTTPCode_ELB_502_Count", lb));
    expect(metrics).toContainEqual(albMetric("elb504", "HTTPCode_ELB_504_Count", lb));
  });

  // One minute's datapoints (absent: the ALB published nothing) and the rate the alarm must see.
  const none = {
    requests: undefined,
    target5xx: undefined,
    elb5xx: undefined,
    elb502: undefined,
    elb504: undefined,
  };
  it.each([
    ["no registered target: the ALB answers 503 to everything, RequestCount is absent", { elb5xx: 120 }, 100],
    ["no traffic at all", {}, 0],
    ["healthy traffic", { requests: 1000, target5xx: 2 }, 0.2],
    [
      "every request a 502 from dying targets (counted once)",
      { requests: 200, elb5xx: 200, elb502: 200 },
      100,
    ],
    ["a mix: target 500s, ELB 502s and 503s", { requests: 995, target5xx: 10, elb5xx: 15, elb502: 10 }, 2.5],
  ])("without a target group, the template's expression yields the right rate: %s", (_what, inputs, rate) => {
    const { rate: alarmSees } = albAlarm(aws.template, "Prod-backend-high-error-rate");
    expect(alarmSees({ ...none, ...inputs })).toBeCloseTo(rate, 6);
  });

  it.each([
    ["an empty target group: the ALB's 503s, nothing for the group", { elb5xx: 50 }, 100],
    ["no traffic at all", {}, 0],
    [
      "healthy traffic, another group's 502s left out",
      { requests: 1000, target5xx: 5, elb5xx: 40, elb502: 40 },
      0.5,
    ],
  ])("with a target group, the template's expression yields the right rate: %s", (_what, inputs, rate) => {
    const { rate: alarmSees } = albAlarm(full.template, "Meet-backend-high-error-rate");
    expect(alarmSees({ ...none, ...inputs })).toBeCloseTo(rate, 6);
  });

  it("computes RDS connections as a percentage of max_connections", () => {
    const alarm = alarmByName(aws.template, "Prod-database-connections-near-limit");
    expect(alarm).toMatchObject({
      ComparisonOperator: "GreaterThanThreshold",
      Threshold: 80,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      TreatMissingData: "notBreaching",
    });
    expect(alarm.Metrics).toEqual([
      expect.objectContaining({ Expression: "100 * connections / 500", ReturnData: true }),
      {
        Id: "connections",
        ReturnData: false,
        MetricStat: {
          Metric: {
            Namespace: "AWS/RDS",
            MetricName: "DatabaseConnections",
            Dimensions: [{ Name: "DBInstanceIdentifier", Value: "meet-db" }],
          },
          Period: 60,
          Stat: "Maximum",
        },
      },
    ]);
  });

  it("watches the ALB's TargetResponseTime p95, in milliseconds like ResponseTimeP95", () => {
    const alarm = alarmByName(aws.template, "Prod-backend-slow-responses");
    expect(alarm).toMatchObject({ Threshold: 1000, EvaluationPeriods: 10, DatapointsToAlarm: 10 });
    expect(alarm.Metrics).toEqual([
      expect.objectContaining({ Expression: "1000 * secondsp95", ReturnData: true }),
      {
        Id: "secondsp95",
        ReturnData: false,
        MetricStat: {
          Metric: {
            Namespace: "AWS/ApplicationELB",
            MetricName: "TargetResponseTime",
            Dimensions: [{ Name: "LoadBalancer", Value: "app/meet/0123456789abcdef" }],
          },
          Period: 60,
          Stat: "p95",
        },
      },
    ]);
  });

  it("watches the highest ReplicaLag of the RDS read replicas", () => {
    const alarm = alarmByName(aws.template, "Prod-database-replication-lag");
    expect(alarm).toMatchObject({ Threshold: 30, EvaluationPeriods: 5, TreatMissingData: "notBreaching" });
    const metrics = alarm.Metrics as Record<string, unknown>[];
    expect(metrics).toContainEqual(
      expect.objectContaining({ Expression: "MAX([lag0, lag1])", ReturnData: true }),
    );
    for (const [id, replica] of [
      ["lag0", "meet-db-replica-1"],
      ["lag1", "meet-db-replica-2"],
    ]) {
      expect(metrics).toContainEqual({
        Id: id,
        ReturnData: false,
        MetricStat: {
          Metric: {
            Namespace: "AWS/RDS",
            MetricName: "ReplicaLag",
            Dimensions: [{ Name: "DBInstanceIdentifier", Value: replica }],
          },
          Period: 60,
          Stat: "Maximum",
        },
      });
    }
  });

  it("watches ElastiCache's DatabaseMemoryUsagePercentage of the cache node, and creates no exporter-only Redis alarm", () => {
    expect(alarmByName(aws.template, "Prod-redis-memory-high")).toMatchObject({
      Namespace: "AWS/ElastiCache",
      MetricName: "DatabaseMemoryUsagePercentage",
      Dimensions: [
        { Name: "CacheClusterId", Value: "meet-redis-001" },
        { Name: "CacheNodeId", Value: "0001" },
      ],
      Statistic: "Maximum",
      Threshold: 90,
      EvaluationPeriods: 10,
    });
    expect(alarmNames(aws.template)).not.toContain("Prod-redis-down");
    expect(alarmNames(aws.template)).not.toContain("Prod-redis-rejected-connections");
    expect(alarmNames(aws.template)).not.toContain("Prod-database-long-transaction");
  });

  it("names the account and region only when the config pins them", () => {
    expect(aws.stack.account).toBe("123456789012");
    expect(aws.stack.region).toBe("eu-west-3");
    expect(sortedDimensions(alarmByName(aws.template, "Prod-monitor-silent"))).toEqual([
      { Name: "Vantage", Value: "eu-west-3" },
    ]);
    expect(every.stack.environment).toBe("aws://unknown-account/unknown-region");
  });
});

/** The KMS key policy's statements. */
function keyStatements(template: Template): Record<string, unknown>[] {
  const key = Object.values(resourcesOf(template, "AWS::KMS::Key"))[0];
  const policy = key?.Properties.KeyPolicy as { Statement: Record<string, unknown>[] } | undefined;
  return policy?.Statement ?? [];
}

describe("notifications", () => {
  it("encrypts both topics with a rotated customer managed key that only this account's alarms may use", () => {
    const key = logicalId(full.template, "AWS::KMS::Key", "NotificationsKey");
    full.template.resourceCountIs("AWS::SNS::Topic", 2);
    for (const topic of Object.values(resourcesOf(full.template, "AWS::SNS::Topic"))) {
      expect(topic.Properties.KmsMasterKeyId).toEqual({ "Fn::GetAtt": [key, "Arn"] });
    }
    full.template.hasResourceProperties("AWS::KMS::Key", { EnableKeyRotation: true });
    const statements = keyStatements(full.template);
    const cloudwatch = statements.filter((st) => JSON.stringify(st.Principal).includes("cloudwatch"));
    expect(cloudwatch).toEqual([
      expect.objectContaining({
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Condition: {
          StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } },
          ArnLike: {
            "aws:SourceArn": {
              "Fn::Join": [
                "",
                [
                  "arn:",
                  { Ref: "AWS::Partition" },
                  ":cloudwatch:",
                  { Ref: "AWS::Region" },
                  ":",
                  { Ref: "AWS::AccountId" },
                  ":alarm:*",
                ],
              ],
            },
          },
        },
      }),
    ]);
  });

  it("denies publishing without TLS and lets only this account's alarms publish", () => {
    const policies = Object.values(resourcesOf(full.template, "AWS::SNS::TopicPolicy"));
    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      const topic = (policy.Properties.Topics as unknown[])[0];
      const statements = (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] })
        .Statement;
      expect(statements).toHaveLength(2);
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: "Deny",
          Principal: "*",
          Action: "sns:Publish",
          Resource: topic,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        }),
      );
      const allow = statements.find((statement) => statement.Effect === "Allow");
      expect(allow).toMatchObject({
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "sns:Publish",
        Resource: topic,
      });
      expect(JSON.stringify(allow?.Condition)).toContain(":alarm:*");
      expect(allow?.Condition).toHaveProperty(["ArnLike", "aws:SourceArn"]);
    }
  });

  it("subscribes the configured emails and https endpoints to their severity's topic", () => {
    const critical = { Ref: logicalId(every.template, "AWS::SNS::Topic", "NotificationsCritical") };
    const warning = { Ref: logicalId(every.template, "AWS::SNS::Topic", "NotificationsWarning") };
    const subscriptions = Object.values(resourcesOf(every.template, "AWS::SNS::Subscription")).map(
      ({ Properties: { Protocol, Endpoint, TopicArn } }) => ({ Protocol, Endpoint, TopicArn }),
    );
    expect(subscriptions).toHaveLength(4);
    expect(subscriptions).toEqual(
      expect.arrayContaining([
        { Protocol: "email", Endpoint: "oncall@example.org", TopicArn: critical },
        {
          Protocol: "https",
          Endpoint: "https://events.pagerduty.com/integration/abc123/enqueue",
          TopicArn: critical,
        },
        { Protocol: "email", Endpoint: "ops@example.org", TopicArn: warning },
        { Protocol: "email", Endpoint: "team@example.org", TopicArn: warning },
      ]),
    );
    minimal.template.resourceCountIs("AWS::SNS::Subscription", 0);
  });

  it("retries an https subscriber for the hour SNS allows, then puts the page in an encrypted dead-letter queue", () => {
    const [https, ...others] = Object.values(resourcesOf(every.template, "AWS::SNS::Subscription"))
      .map((s) => s.Properties)
      .filter((p) => p.Protocol === "https");
    expect(others).toEqual([]);
    const policy = https?.DeliveryPolicy as { healthyRetryPolicy: Record<string, number> } | undefined;
    const retry = policy?.healthyRetryPolicy ?? {};
    expect(retry).toMatchObject({ numNoDelayRetries: 0 });
    const { numRetries, numMinDelayRetries, numMaxDelayRetries, minDelayTarget, maxDelayTarget } =
      retry as Record<string, number>;
    // No backoff phase: every retry is either a min-delay or a max-delay one, so the span is a sum.
    expect(numRetries).toBe((numMinDelayRetries ?? 0) + (numMaxDelayRetries ?? 0));
    const span =
      (numMinDelayRetries ?? 0) * (minDelayTarget ?? 0) + (numMaxDelayRetries ?? 0) * (maxDelayTarget ?? 0);
    expect(span).toBe(HTTPS_RETRY_SPAN_SECONDS);
    expect(span).toBe(3600); // at least an hour, and SNS refuses more than 3600 s
    expect(numRetries).toBeLessThanOrEqual(100);

    const queue = logicalId(every.template, "AWS::SQS::Queue", "NotificationsUndeliveredPages");
    expect(https?.RedrivePolicy).toEqual({ deadLetterTargetArn: { "Fn::GetAtt": [queue, "Arn"] } });
    every.template.hasResourceProperties("AWS::SQS::Queue", {
      KmsMasterKeyId: {
        "Fn::GetAtt": [logicalId(every.template, "AWS::KMS::Key", "NotificationsKey"), "Arn"],
      },
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    const queuePolicy = JSON.stringify(resourcesOf(every.template, "AWS::SQS::QueuePolicy"));
    expect(queuePolicy).toContain("sns.amazonaws.com");
    expect(queuePolicy).toContain("sqs:SendMessage");
    expect(keyStatements(every.template)).toContainEqual(
      expect.objectContaining({
        Principal: { Service: "sns.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Condition: expect.objectContaining({
          StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } },
        }),
      }),
    );
    // No https subscriber, no queue and no SNS statement in the key policy.
    minimal.template.resourceCountIs("AWS::SQS::Queue", 0);
    expect(JSON.stringify(keyStatements(minimal.template))).not.toContain("sns.amazonaws.com");
  });

  it("reports a page in the dead-letter queue, or one SNS could not put there, by email: a warning alarm", () => {
    const alarm = alarmByName(every.template, "Meet-monitor-page-undelivered");
    const queue = logicalId(every.template, "AWS::SQS::Queue", "NotificationsUndeliveredPages");
    const warning = { Ref: logicalId(every.template, "AWS::SNS::Topic", "NotificationsWarning") };
    const critical = { Ref: logicalId(every.template, "AWS::SNS::Topic", "NotificationsCritical") };
    const stat = (namespace: string, name: string, dimensions: unknown[], statistic: string) => ({
      MetricStat: {
        Metric: { Namespace: namespace, MetricName: name, Dimensions: dimensions },
        Period: 60,
        Stat: statistic,
      },
      ReturnData: false,
    });
    expect(alarm.Metrics).toEqual([
      expect.objectContaining({
        Expression: "FILL(waiting, 0) + FILL(lost0, 0) + FILL(lost1, 0)",
        ReturnData: true,
      }),
      {
        Id: "waiting",
        ...stat(
          "AWS/SQS",
          "ApproximateNumberOfMessagesVisible",
          [{ Name: "QueueName", Value: { "Fn::GetAtt": [queue, "QueueName"] } }],
          "Maximum",
        ),
      },
      ...[critical, warning].map((topic, index) => ({
        Id: `lost${index}`,
        ...stat(
          "AWS/SNS",
          "NumberOfNotificationsFailedToRedriveToDlq",
          [{ Name: "TopicName", Value: { "Fn::GetAtt": [topic.Ref, "TopicName"] } }],
          "Sum",
        ),
      })),
    ]);
    expect(alarm).toMatchObject({
      ComparisonOperator: "GreaterThanThreshold",
      Threshold: 0,
      EvaluationPeriods: 1,
      TreatMissingData: "notBreaching",
      AlarmActions: [warning],
      OKActions: [warning],
    });
    // The warning topic has email subscribers in this config: the lost page reaches someone.
    const emails = Object.values(resourcesOf(every.template, "AWS::SNS::Subscription")).filter(
      (s) =>
        s.Properties.Protocol === "email" &&
        JSON.stringify(s.Properties.TopicArn) === JSON.stringify(warning),
    );
    expect(emails.length).toBeGreaterThan(0);
    expect(alarmNames(minimal.template)).not.toContain("Meet-monitor-page-undelivered");
  });

  it("has a TEST alarm per severity for notify-test, never breaching, named in the outputs", () => {
    const outputs = every.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    for (const severity of ["critical", "warning"] as const) {
      const name = `Meet-monitor-TEST-notify-${severity}`;
      const alarm = alarmByName(every.template, name);
      const topic = {
        Ref: logicalId(
          every.template,
          "AWS::SNS::Topic",
          `Notifications${severity === "critical" ? "Critical" : "Warning"}`,
        ),
      };
      expect(alarm).toMatchObject({
        Namespace: "LaSuiteMeet",
        MetricName: "MonitorHeartbeat",
        Statistic: "Sum",
        ComparisonOperator: "LessThanThreshold",
        Threshold: 0,
        TreatMissingData: "notBreaching",
        ActionsEnabled: true,
        AlarmActions: [topic],
        OKActions: [topic],
      });
      expect(String(alarm.AlarmDescription)).toMatch(/^TEST alarm of `npm run notify-test`.*nothing is down/);
      const key = severity === "critical" ? "CriticalTestAlarmName" : "WarningTestAlarmName";
      expect(outputs[key]?.Value).toEqual({
        Ref: logicalId(
          every.template,
          "AWS::CloudWatch::Alarm",
          `NotifyTest${severity === "critical" ? "Critical" : "Warning"}`,
        ),
      });
    }
    expect(alarmByName(aws.template, "Prod-monitor-TEST-notify-critical")).toBeDefined();
  });

  it("outputs both topic ARNs and the dashboard URL", () => {
    const outputs = full.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.CriticalTopicArn?.Value).toEqual({
      Ref: logicalId(full.template, "AWS::SNS::Topic", "NotificationsCritical"),
    });
    expect(outputs.WarningTopicArn?.Value).toEqual({
      Ref: logicalId(full.template, "AWS::SNS::Topic", "NotificationsWarning"),
    });
    expect(outputs.DashboardUrl?.Value).toBe(
      "https://console.aws.amazon.com/cloudwatch/home?region=eu-west-3#dashboards/dashboard/MeetMonitor-eu-west-3",
    );
  });
});

describe("the probe function", () => {
  it("runs Node.js 24 on ARM64 under a minute, with its own log group", () => {
    const logs = logicalId(full.template, "AWS::Logs::LogGroup", "ProbeLogs");
    full.template.hasResourceProperties("AWS::Lambda::Function", {
      Runtime: "nodejs24.x",
      Architectures: ["arm64"],
      Handler: "index.handler",
      MemorySize: 256,
      Timeout: PROBE_TIMEOUT_SECONDS,
      LoggingConfig: { LogGroup: { Ref: logs } },
      // No NODE_OPTIONS=--enable-source-maps: it would cost ~75 MB of the 256 (see probe-function.ts).
      Environment: Match.absent(),
    });
    expect(PROBE_TIMEOUT_SECONDS).toBeLessThan(60);
    full.template.hasResourceProperties("AWS::Logs::LogGroup", { RetentionInDays: 30 });
    aws.template.hasResourceProperties("AWS::Logs::LogGroup", { RetentionInDays: 90 });
    aws.template.hasResourceProperties("AWS::Lambda::Function", { MemorySize: 512 });
  });

  it("reserves no concurrency by default (it fails deploys on accounts near the unreserved minimum), 1 when asked", () => {
    expect(every.config.deployment.singleConcurrency).toBe(false);
    for (const stack of [every, minimal, full]) {
      stack.template.hasResourceProperties("AWS::Lambda::Function", {
        ReservedConcurrentExecutions: Match.absent(),
      });
    }
    expect(aws.config.deployment.singleConcurrency).toBe(true);
    aws.template.hasResourceProperties("AWS::Lambda::Function", { ReservedConcurrentExecutions: 1 });
  });

  it("drops a throttled scheduled event instead of queueing it", () => {
    full.template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
  });

  it("is triggered every minute by an EventBridge schedule", () => {
    const fn = logicalId(full.template, "AWS::Lambda::Function", "ProbeFunction");
    full.template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(1 minute)",
      State: "ENABLED",
      Targets: [Match.objectLike({ Arn: { "Fn::GetAtt": [fn, "Arn"] } })],
    });
    full.template.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunction",
      Principal: "events.amazonaws.com",
      FunctionName: { "Fn::GetAtt": [fn, "Arn"] },
    });
  });

  it("runs in the configured subnets and security groups without a VPC lookup, and outside a VPC otherwise", () => {
    full.template.hasResourceProperties("AWS::Lambda::Function", {
      VpcConfig: {
        SubnetIds: ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"],
        SecurityGroupIds: ["sg-0123456789abcdef0"],
      },
    });
    minimal.template.hasResourceProperties("AWS::Lambda::Function", { VpcConfig: Match.absent() });
  });

  it("bundles the resolved config as monitor-config.json, without alerts, alarms, deployment or CLI-only credential sources", async () => {
    const bundledFile = (s: Synthesized) => {
      const assets = readdirSync(s.outdir).filter((name) => name.startsWith("asset."));
      expect(assets).toHaveLength(1);
      const dir = join(s.outdir, assets[0] as string);
      expect(existsSync(join(dir, "index.js"))).toBe(true);
      return join(dir, CONFIG_FILE_NAME);
    };
    const bundled = (s: Synthesized) =>
      JSON.parse(readFileSync(bundledFile(s), "utf8")) as Record<string, unknown>;
    const config = bundled(aws);
    expect(Object.keys(config).sort()).toEqual(["format", "namespace", "probe", "targets"]);
    expect(config.format).toBe(BUNDLED_CONFIG_FORMAT);
    // What the function reads back, without the schema, is what the app validated.
    const read = await readBundledConfig(bundledFile(aws));
    expect(read).toEqual(lambdaConfig(aws.config));
    expect(JSON.stringify(config)).not.toMatch(/LIVEKIT_METRICS_PASSWORD|livekit-password/);
    expect(config).toMatchObject({
      targets: { livekit: { metricsBasicAuth: { password: { secretArn: SECRET_ARN } } } },
    });
    expect(parseConfig(read).ok).toBe(true);
    expect(bundled(full)).toMatchObject({ vantage: "eu-west-3" });
  });

  it("stays under the one-minute schedule with room for the worst cycle and the publishing deadline", () => {
    const worstCycleMs = checkBudgetMs(LIMITS.timeoutMs.max, LIMITS.retryDelayMs.max) + 2_000;
    expect(PROBE_TIMEOUT_SECONDS * 1000).toBeGreaterThanOrEqual(worstCycleMs + PUBLISH_BUDGET_MS + 10_000);
    expect(PROBE_TIMEOUT_SECONDS).toBeLessThan(60);
  });

  it("gives each config its own bundle, even for two stacks of one synthesis", () => {
    const outdir = mkdtempSync(join(tmpdir(), "meet-monitor-two-"));
    try {
      const app = new App({ outdir });
      const base = { targets: { livekit: { url: "https://livekit.example.org" } } };
      const one = createMonitorStack(app, parse({ ...base, deployment: { stackName: "One" } }));
      const two = createMonitorStack(
        app,
        parse({
          targets: { livekit: { url: "https://livekit2.example.org" } },
          deployment: { stackName: "Two" },
        }),
      );
      const code = (stack: Stack) =>
        Template.fromStack(stack).findResources("AWS::Lambda::Function") as Record<
          string,
          { Properties: { Code: { S3Key: string } } }
        >;
      const keys = [one, two].map((stack) => Object.values(code(stack))[0]?.Properties.Code.S3Key);
      expect(keys[0]).toEqual(expect.any(String));
      expect(keys[0]).not.toEqual(keys[1]);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it("changes the code asset when the config changes", () => {
    const key = (s: Synthesized) => {
      const fn = Object.values(resourcesOf(s.template, "AWS::Lambda::Function"))[0];
      return (fn?.Properties.Code as { S3Key?: unknown } | undefined)?.S3Key;
    };
    expect(key(full)).not.toEqual(key(minimal));
  });
});

describe("least privilege", () => {
  const statementsOf = (s: Synthesized) => {
    s.template.resourceCountIs("AWS::IAM::Role", 1);
    s.template.resourceCountIs("AWS::IAM::Policy", 0);
    const role = Object.values(resourcesOf(s.template, "AWS::IAM::Role"))[0]?.Properties ?? {};
    expect(role.ManagedPolicyArns).toBeUndefined();
    const policies = role.Policies as { PolicyDocument: { Statement: Record<string, unknown>[] } }[];
    expect(policies).toHaveLength(1);
    return policies[0]?.PolicyDocument.Statement ?? [];
  };
  const putMetricData = (namespace: string) => ({
    Sid: "PublishMetricsToOwnNamespace",
    Effect: "Allow",
    Action: "cloudwatch:PutMetricData",
    Resource: "*",
    Condition: { StringEquals: { "cloudwatch:namespace": namespace } },
  });
  const logs = (s: Synthesized) => ({
    Sid: "WriteOwnLogGroup",
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: { "Fn::GetAtt": [logicalId(s.template, "AWS::Logs::LogGroup", "ProbeLogs"), "Arn"] },
  });

  it("allows PutMetricData in the configured namespace and writing its own logs, nothing else", () => {
    expect(statementsOf(minimal)).toEqual([putMetricData("LaSuiteMeet"), logs(minimal)]);
  });

  it("adds reading exactly the configured secrets when the config has some", () => {
    expect(statementsOf(aws)).toEqual([
      putMetricData("Meet/Prod"),
      logs(aws),
      {
        Sid: "ReadConfiguredSecrets",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: [SECRET_ARN, `${SECRET_ARN}-??????`],
      },
    ]);
  });

  it("adds the network-interface actions Lambda needs in a VPC, only then", () => {
    const statements = statementsOf(full);
    expect(statements.map((s) => s.Sid)).toEqual([
      "PublishMetricsToOwnNamespace",
      "WriteOwnLogGroup",
      "ReadConfiguredSecrets",
      "ManageVpcNetworkInterfaces",
    ]);
    expect(statements[2]?.Resource).toEqual([
      "arn:aws:secretsmanager:eu-west-3:123456789012:secret:meet/garage-metrics-token",
      "arn:aws:secretsmanager:eu-west-3:123456789012:secret:meet/garage-metrics-token-??????",
      "arn:aws:secretsmanager:eu-west-3:123456789012:secret:meet/livekit-prometheus-AbCdEf",
      "arn:aws:secretsmanager:eu-west-3:123456789012:secret:meet/livekit-prometheus-AbCdEf-??????",
    ]);
    expect(statements[3]?.Action).toEqual(
      expect.arrayContaining(["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"]),
    );
  });
});

describe("dashboard", () => {
  /** The dashboard body with CloudFormation tokens replaced by placeholders. */
  const body = (s: Synthesized): { widgets: { type: string; properties: Record<string, unknown> }[] } => {
    const dashboard = Object.values(resourcesOf(s.template, "AWS::CloudWatch::Dashboard"))[0];
    const raw = dashboard?.Properties.DashboardBody as string | { "Fn::Join": [string, unknown[]] };
    const text =
      typeof raw === "string"
        ? raw
        : raw["Fn::Join"][1].map((part) => (typeof part === "string" ? part : "TOKEN")).join("");
    return JSON.parse(text);
  };
  const metricNames = (s: Synthesized) =>
    new Set(
      body(s)
        .widgets.flatMap((w) => (w.properties.metrics as unknown[][] | undefined) ?? [])
        .flatMap((metric) => metric.filter((part): part is string => typeof part === "string")),
    );

  it("is named after the stack and its region: dashboards are global to an account", () => {
    const dashboardName = (template: Template) =>
      Object.values(resourcesOf(template, "AWS::CloudWatch::Dashboard"))[0]?.Properties.DashboardName;
    expect(dashboardName(full.template)).toBe("MeetMonitor-eu-west-3");
    expect(dashboardName(every.template)).toEqual({
      "Fn::Join": ["", ["MeetMonitor-", { Ref: "AWS::Region" }]],
    });
    // The docs' "several vantages": one config, deployed to two regions under the same stack name.
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), "meet-monitor-vantages-")) });
    const stacks = ["eu-west-3", "eu-central-1"].map((region) =>
      createMonitorStack(app, parse({ ...EVERY_ALARM, deployment: { region } }), `Monitor-${region}`),
    );
    const names = stacks.map((stack) => dashboardName(Template.fromStack(stack)));
    expect(names).toEqual(["MeetMonitor-eu-west-3", "MeetMonitor-eu-central-1"]);
    rmSync(app.outdir, { recursive: true, force: true });
  }, 60_000);

  it("shows up, latency and its phases for each component, certificates, heartbeat and every white-box panel", () => {
    const names = metricNames(every);
    for (const name of [
      "Up",
      "Latency",
      "DnsTime",
      "ConnectTime",
      "TlsTime",
      "Ttfb",
      "Degraded",
      "CertDaysLeft",
      "MonitorHeartbeat",
      "Rooms",
      "Participants",
      "PublishedTracks",
      "SubscribedTracks",
      "BytesIn",
      "BytesOut",
      "PacketLoss",
      "ErrorRate",
      "DiskFreePercent",
      "ConnectionsPercent",
      "WebhookFailures",
      "S3ErrorRate",
      "SourceUp",
      // The guide's other layers.
      "ResponseTimeP50",
      "ResponseTimeP95",
      "RedisMemoryPercent",
      "RedisUp",
      "CacheHitRate",
      "RedisClients",
      "RejectedConnections",
      "EvictedKeys",
      "ReplicationLag",
      "LongestTransaction",
      "Deadlocks",
      "MeanQueryTime",
      "CpuBusy",
      "MemoryAvailable",
      "FilesystemFree",
      "DiskBusy",
      "NetworkIn",
      "NetworkOut",
      "BucketBytes",
      "BucketObjects",
      "UnfinishedUploads",
      "EgressAvailable",
      "ActiveRecordings",
      "FailedRecordings",
      "db-1",
      "media-1",
      "meet-media-storage",
    ]) {
      expect(names, name).toContain(name);
    }
    for (const component of ["backend", "livekit", "garage"]) expect(names).toContain(component);
  });

  it("plots SourceUp for each component the probe scrapes, and only those", () => {
    const sourceLines = (s: Synthesized) =>
      body(s)
        .widgets.flatMap((w) => (w.properties.metrics as unknown[][] | undefined) ?? [])
        .filter((metric) => metric[1] === "SourceUp")
        .map((metric) => metric[metric.indexOf("Component") + 1]);
    expect(sourceLines(every)).toEqual([
      "livekit",
      "garage",
      "backend",
      "database",
      "redis",
      "host",
      "egress",
    ]);
    // ALB and RDS figures come from CloudWatch itself: only LiveKit is scraped there.
    expect(sourceLines(aws)).toEqual(["livekit"]);
  });

  it("has an alarm status widget with every alarm, and draws the AWS metric-math variants", () => {
    const widgets = body(aws).widgets;
    const status = widgets.find((w) => w.type === "alarm");
    expect(status?.properties.alarms).toHaveLength(alarmNames(aws.template).length);
    const names = metricNames(aws);
    expect(names).toContain("AWS/ApplicationELB");
    expect(names).toContain("AWS/RDS");
    expect(names).toContain("TargetResponseTime");
    expect(names).toContain("ReplicaLag");
    expect(names).toContain("ReadLatency");
    expect(names).toContain("AWS/ElastiCache");
    expect(names).toContain("DatabaseMemoryUsagePercentage");
    expect(names).toContain("CacheHitRate");
    expect(names).not.toContain("DiskFreePercent");
    expect(names).not.toContain("RedisMemoryPercent");
  });
});
