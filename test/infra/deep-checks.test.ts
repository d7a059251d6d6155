/**
 * The deep checks in the synthesized template: their alarms (written out literally), the
 * certificate alarms of their TLS endpoints, the IAM permissions for their secrets, the
 * dashboard panels, and what the deploy-time checks say about their config.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findCredentials } from "../../functions/shared/config/credentials.ts";
import type { MonitorConfigInput } from "../../functions/shared/config/index.ts";
import { configWarnings, lambdaConfig, loadDeployConfig, secretArns } from "../../infra/deploy-config.ts";
import { alarmByName, alarmNames, cleanUp, parse, resourcesOf, type Synthesized, synth } from "./synth.ts";

const REGION = { Ref: "AWS::Region" };
const LIVEKIT_SECRET = "arn:aws:secretsmanager:eu-west-3:123456789012:secret:meet/livekit-monitor-key";
const S3_SECRET = "arn:aws:secretsmanager:eu-west-3:123456789012:secret:meet/garage-monitor-key";

const DEEP: MonitorConfigInput = {
  targets: {
    backend: { url: "https://meet-backend.example.org", webhook: true },
    livekit: {
      url: "https://livekit.example.org",
      apiKey: "APImonitor",
      apiSecret: { secretArn: LIVEKIT_SECRET, secretJsonKey: "secret", env: "LIVEKIT_SECRET" },
    },
    garage: {
      adminUrl: "https://garage-admin.example.org",
      metrics: false,
      s3: {
        endpoint: "https://s3.example.org",
        bucket: "meet-recordings",
        accessKeyId: "GK0123456789",
        secretAccessKey: { secretArn: S3_SECRET, file: "garage-secret" },
      },
    },
  },
};

let deep: Synthesized;
beforeAll(() => {
  deep = synth(DEEP);
}, 120_000);
afterAll(cleanUp);

describe("deep check alarms", () => {
  const topicOf = (properties: Record<string, unknown>): string =>
    JSON.stringify(properties.AlarmActions).includes("Critical") ? "critical" : "warning";

  it.each([
    [
      "Meet-livekit-join-failing",
      "Up",
      { Component: "livekit", Check: "join", Vantage: REGION },
      2,
      "critical",
    ],
    [
      "Meet-livekit-turn-udp-failing",
      "Up",
      { Component: "livekit", Check: "turn-udp", Vantage: REGION },
      5,
      "warning",
    ],
    [
      "Meet-livekit-turn-tcp-failing",
      "Up",
      { Component: "livekit", Check: "turn-tcp", Vantage: REGION },
      5,
      "warning",
    ],
    [
      "Meet-livekit-turn-tls-failing",
      "Up",
      { Component: "livekit", Check: "turn-tls", Vantage: REGION },
      5,
      "warning",
    ],
    [
      "Meet-livekit-turn-unreachable",
      "TurnRelayUp",
      { Component: "livekit", Vantage: REGION },
      3,
      "critical",
    ],
    [
      "Meet-backend-webhook-rejected",
      "Up",
      { Component: "backend", Check: "webhook", Vantage: REGION },
      5,
      "warning",
    ],
    ["Meet-garage-s3-failing", "Up", { Component: "garage", Check: "s3", Vantage: REGION }, 5, "warning"],
  ] as const)(
    "%s: %s < 1, Minimum per minute, %i of %i, missing data ignored, %s",
    (name, metric, dimensions, periods, severity) => {
      const alarm = alarmByName(deep.template, name);
      expect(alarm).toMatchObject({
        MetricName: metric,
        Namespace: "LaSuiteMeet",
        Statistic: "Minimum",
        Period: 60,
        ComparisonOperator: "LessThanThreshold",
        Threshold: 1,
        EvaluationPeriods: periods,
        DatapointsToAlarm: periods,
        TreatMissingData: "ignore",
      });
      const actual = Object.fromEntries(
        (alarm.Dimensions as { Name: string; Value: unknown }[]).map((dimension) => [
          dimension.Name,
          dimension.Value,
        ]),
      );
      expect(actual).toEqual(dimensions);
      expect(topicOf(alarm)).toBe(severity);
      expect(alarm.OKActions).toEqual(alarm.AlarmActions);
      expect(String(alarm.AlarmDescription)).toMatch(/First check: /);
    },
  );

  it("watches the certificates of TURN over TLS and of the S3 endpoint, beside the health checks'", () => {
    const names = alarmNames(deep.template).filter((name) => name.includes("certificate-expiring"));
    expect(names).toEqual([
      "Meet-backend-certificate-expiring",
      "Meet-garage-certificate-expiring",
      "Meet-garage-s3-certificate-expiring",
      "Meet-livekit-certificate-expiring",
      "Meet-livekit-turn-tls-certificate-expiring",
    ]);
    const dimensions = alarmByName(deep.template, "Meet-livekit-turn-tls-certificate-expiring").Dimensions;
    expect(dimensions).toContainEqual({ Name: "Check", Value: "turn-tls" });
  });

  it("creates none of them when the deep checks are not configured", () => {
    const plain = parse({ targets: { livekit: { url: "https://livekit.example.org" } } });
    expect(plain.targets.livekit?.apiKey).toBeUndefined();
    const names = alarmNames(synth(plain).template);
    expect(names.filter((name) => /join|turn|webhook|s3/.test(name))).toEqual([]);
  });
});

describe("deep check secrets", () => {
  it("lets the function read the LiveKit API secret and the S3 secret key, and nothing else", () => {
    const role = Object.values(resourcesOf(deep.template, "AWS::IAM::Role"))[0]?.Properties ?? {};
    const statements = (role.Policies as { PolicyDocument: { Statement: Record<string, unknown>[] } }[])[0]
      ?.PolicyDocument.Statement;
    expect(statements?.find((statement) => statement.Sid === "ReadConfiguredSecrets")?.Resource).toEqual([
      S3_SECRET,
      `${S3_SECRET}-??????`,
      LIVEKIT_SECRET,
      `${LIVEKIT_SECRET}-??????`,
    ]);
  });

  it("finds the new credential fields by their shape, and bundles only their Secrets Manager reference", () => {
    const config = parse(DEEP);
    expect(findCredentials(config.targets).map((found) => found.path)).toEqual([
      "targets.livekit.apiSecret",
      "targets.garage.s3.secretAccessKey",
    ]);
    expect(secretArns(config)).toEqual([S3_SECRET, LIVEKIT_SECRET]);
    const bundled = lambdaConfig(config).targets as typeof config.targets;
    expect(bundled.livekit?.apiSecret).toEqual({ secretArn: LIVEKIT_SECRET, secretJsonKey: "secret" });
    expect(bundled.garage?.s3?.secretAccessKey).toEqual({ secretArn: S3_SECRET });
  });

  it("refuses to deploy a deep check credential without a secretArn, and a loopback S3 endpoint", async () => {
    const dir = await mkdtemp(join(tmpdir(), "meet-deep-deploy-"));
    try {
      const path = join(dir, "config.json");
      await writeFile(
        path,
        JSON.stringify({
          targets: {
            livekit: {
              url: "https://livekit.example.org",
              apiKey: "APIk",
              apiSecret: { env: "LIVEKIT_SECRET" },
            },
            garage: {
              adminUrl: "https://garage-admin.example.org",
              s3: {
                endpoint: "http://127.0.0.1:3900",
                bucket: "meet",
                accessKeyId: "GK",
                secretAccessKey: { env: "S3" },
              },
            },
          },
        }),
      );
      const result = await loadDeployConfig(path);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.issues.map((issue) => issue.path)).toEqual([
        "targets.livekit.apiSecret",
        "targets.garage.s3.secretAccessKey",
        "targets.garage.s3.endpoint",
      ]);
      expect(result.issues[0]?.message).toMatch(
        /^the Lambda reads credentials from AWS Secrets Manager only/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("warns that TURN over UDP from a VPC needs a NAT gateway", () => {
    const inVpc = parse({
      ...DEEP,
      deployment: {
        vpc: { subnetIds: ["subnet-0123456789abcdef0"], securityGroupIds: ["sg-0123456789abcdef0"] },
      },
    });
    expect(configWarnings(inVpc)).toContainEqual(expect.stringMatching(/NAT gateway/));
    expect(configWarnings(parse(DEEP)).filter((warning) => warning.includes("NAT"))).toEqual([]);
  });
});

describe("deep check dashboard panels", () => {
  it("charts the join, its ping, TURN per transport and overall, the webhook and the S3 round trip", () => {
    const dashboard = Object.values(resourcesOf(deep.template, "AWS::CloudWatch::Dashboard"))[0];
    const raw = dashboard?.Properties.DashboardBody as { "Fn::Join": [string, unknown[]] };
    const text = raw["Fn::Join"][1].map((part) => (typeof part === "string" ? part : "TOKEN")).join("");
    const widgets = JSON.parse(text).widgets as { properties: { title?: string; metrics?: unknown[][] } }[];
    const titles = widgets.map((widget) => widget.properties.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        "LiveKit join: joined (1) / failed (0)",
        "LiveKit join: phases to the join response (ms)",
        "TURN: relay allocated (1) / failed (0) per transport",
        "TURN: time to allocate and free a relay (ms)",
        "Backend: LiveKit webhook accepted (1) / refused (0)",
        "Recording storage: S3 round trip up (1) / down (0)",
      ]),
    );
    const checks = new Set(
      widgets
        .flatMap((widget) => widget.properties.metrics ?? [])
        .map((metric) => metric[metric.indexOf("Check") + 1])
        .filter((value) => typeof value === "string"),
    );
    for (const check of ["join", "turn-udp", "turn-tcp", "turn-tls", "webhook", "s3"])
      expect(checks).toContain(check);
    expect(text).toContain('"SignalPingRtt"');
    expect(text).toContain('"TurnRelayUp"');
    // The health checks keep their own rows, one per component.
    expect(titles.filter((title) => title?.endsWith(": up (1) / down (0)"))).toEqual([
      "backend: up (1) / down (0)",
      "livekit: up (1) / down (0)",
      "garage: up (1) / down (0)",
    ]);
  });
});
