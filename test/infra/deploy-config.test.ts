import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveAlarmSettings } from "../../functions/shared/alarms.ts";
import { findCredentials } from "../../functions/shared/config/credentials.ts";
import { parseConfig } from "../../functions/shared/config/index.ts";
import {
  configWarnings,
  deployChecks,
  lambdaConfig,
  loadDeployConfig,
  secretArns,
} from "../../infra/deploy-config.ts";
import { AWS_SOURCES, EVERY_ALARM, SECRET_ARN } from "./fixtures.ts";
import { parse } from "./synth.ts";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "deploy-config-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("deploy-only checks", () => {
  it("finds credential sources by shape wherever they are, never inside headers", () => {
    const found = findCredentials({
      livekit: { url: "https://x", metricsBasicAuth: { username: "u", password: { env: "P" } } },
      garage: { adminUrl: "https://g", metrics: { token: { secretArn: SECRET_ARN, secretJsonKey: "t" } } },
      backend: { url: "https://b", headers: { env: "not a credential" } },
    });
    expect(found.map((f) => f.path)).toEqual([
      "targets.livekit.metricsBasicAuth.password",
      "targets.garage.metrics.token",
    ]);
  });

  it("refuses credentials the Lambda cannot read, loopback targets, and private addresses outside a VPC", () => {
    const { issues, warnings } = deployChecks({
      targets: {
        backend: {
          url: "http://localhost:8000",
          requests: { preset: "django-prometheus", url: ["http://10.1.2.3:8000/metrics"] },
        },
        livekit: {
          url: "https://livekit.example.org",
          metricsBasicAuth: { username: "u", password: { file: "secret.txt" } },
        },
        garage: {
          adminUrl: "http://[::1]:3903",
          metrics: { token: { secretArn: SECRET_ARN, env: "TOKEN" } },
        },
        database: { exporterUrl: "http://pg-exporter:9187/metrics" },
      },
    });
    expect(issues.map((issue) => issue.path)).toEqual([
      "targets.livekit.metricsBasicAuth.password",
      "targets.backend.url",
      "targets.backend.requests.url[0]",
      "targets.garage.adminUrl",
    ]);
    expect(issues[2]?.message).toContain("set deployment.vpc");
    expect(warnings).toEqual([
      expect.stringMatching(/^targets\.database\.exporterUrl: pg-exporter looks like a private DNS name/),
    ]);
  });

  it("accepts private addresses and names inside a VPC", () => {
    const result = deployChecks({
      targets: {
        backend: { url: "http://10.0.1.20:8000" },
        garage: { adminUrl: "http://garage.internal:3903" },
      },
      deployment: { vpc: { subnetIds: ["subnet-1"], securityGroupIds: ["sg-1"] } },
    });
    expect(result).toEqual({ issues: [], warnings: [] });
  });

  it("reports schema and deploy-only problems of a file together", async () => {
    const path = join(dir, "both.json");
    writeFileSync(
      path,
      JSON.stringify({
        targets: {
          backend: { url: "http://127.0.0.1:8000", timeoutMs: 1 },
          livekit: { url: "https://l", metricsBasicAuth: { username: "u", password: { env: "X" } } },
        },
      }),
    );
    const result = await loadDeployConfig(path);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.path)).toEqual([
      "targets.backend.timeoutMs",
      "targets.livekit.metricsBasicAuth.password",
      "targets.backend.url",
    ]);
  });

  it("warns, without failing, when nobody would be notified or an override matches no alarm", () => {
    const config = parse({
      targets: { livekit: { url: "https://l.example.org" } },
      alarms: { backendDown: { threshold: 2 } },
    });
    expect(configWarnings(config)).toEqual([
      expect.stringContaining("alerts.critical: no email or https subscriber"),
      expect.stringContaining("alerts.warning: no email or https subscriber"),
      "alarms.backendDown: this alarm is not created (needs targets.backend), the override has no effect",
    ]);
    expect(configWarnings(parse(EVERY_ALARM))).toEqual([]);
  });
});

describe("the config bundled with the function", () => {
  it("keeps namespace, vantage, probe and targets; credentials keep only their Secrets Manager reference", () => {
    const config = parse(AWS_SOURCES);
    const bundled = lambdaConfig(config);
    expect(Object.keys(bundled)).toEqual(["namespace", "probe", "targets"]);
    expect(bundled.targets).toMatchObject({
      livekit: { metricsBasicAuth: { username: "prometheus", password: { secretArn: SECRET_ARN } } },
    });
    expect(JSON.stringify(bundled)).not.toContain("LIVEKIT_METRICS_PASSWORD");
    // The operator's config object is left untouched.
    expect(config.targets.livekit?.metricsBasicAuth?.password.env).toBe("LIVEKIT_METRICS_PASSWORD");
    const reparsed = parseConfig(bundled);
    expect(reparsed.ok && reparsed.config.targets).toEqual(bundled.targets);
  });

  it("lists each configured secret once", () => {
    const config = parse({
      targets: {
        livekit: {
          url: "https://l.example.org",
          metricsUrl: "https://l.example.org:6789/metrics",
          metricsBasicAuth: { username: "u", password: { secretArn: SECRET_ARN, secretJsonKey: "a" } },
        },
        garage: {
          adminUrl: "https://g.example.org",
          metrics: { token: { secretArn: SECRET_ARN, secretJsonKey: "b" } },
        },
      },
    });
    expect(secretArns(config)).toEqual([SECRET_ARN]);
    // The Garage admin token of the bucket sizes is a credential like the others: found by shape.
    expect(secretArns(parse(EVERY_ALARM))).toEqual([
      "arn:aws:secretsmanager:eu-west-3:123456789012:secret:meet/garage-admin",
    ]);
  });
});

describe("alarm overrides", () => {
  it("keeps an N-of-N alarm N of N when only the window is overridden", () => {
    expect(resolveAlarmSettings("backendDown", undefined)).toEqual({
      enabled: true,
      threshold: 1,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
    });
    expect(resolveAlarmSettings("backendDown", { evaluationPeriods: 5 })).toMatchObject({
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
    });
    expect(resolveAlarmSettings("backendDown", { evaluationPeriods: 5, datapointsToAlarm: 3 })).toMatchObject(
      {
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
      },
    );
  });

  it("rejects more datapoints than periods, after the window override", () => {
    const result = parseConfig({
      targets: { backend: { url: "https://b.example.org" } },
      alarms: {
        backendDown: { evaluationPeriods: 3, datapointsToAlarm: 4 },
        livekitDown: { evaluationPeriods: 3 },
      },
    });
    expect(result.ok ? [] : result.issues).toEqual([
      { path: "alarms.backendDown.datapointsToAlarm", message: "must not exceed evaluationPeriods (3)" },
    ]);
  });
});
