/** The plan of the guide's other layers: their sources, and their alarms only where configured. */
import { describe, expect, it } from "vitest";
import { type MonitorConfig, parseConfig } from "../../../functions/shared/config/index.ts";
import { planConfig } from "../../../functions/shared/plan/index.ts";

function configOf(targets: Record<string, unknown>, alarms: Record<string, unknown> = {}): MonitorConfig {
  const result = parseConfig({ probe: { timeoutMs: 4000 }, targets, alarms });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

const token = { env: "GARAGE_ADMIN_TOKEN" };

describe("sources of the other layers", () => {
  it("plans one source per host, per bucket and per egress worker, each with its instance and options", () => {
    const plan = planConfig(
      configOf({
        garage: {
          adminUrl: "http://garage.test:3903/admin",
          timeoutMs: 2500,
          metrics: false,
          buckets: { names: ["meet-media-storage", "meet-backups"], token },
        },
        redis: { exporterUrl: "http://redis.test:9121/metrics" },
        hosts: [
          { name: "db-1", url: "http://db.test:9100/metrics", timeoutMs: 1500 },
          { name: "media-1", url: "http://media.test:9100/metrics" },
        ],
        egress: { metricsUrl: ["http://eg-0.test:7889/metrics", "http://eg-1.test:7889/metrics"] },
      }),
    );
    expect(
      plan.sources.map((s) => [s.kind, s.component, s.format, s.url.href, s.timeoutMs, s.instance?.value]),
    ).toEqual([
      ["redis", "redis", "prometheus", "http://redis.test:9121/metrics", 4000, undefined],
      ["host", "host", "prometheus", "http://db.test:9100/metrics", 1500, "db-1"],
      ["host", "host", "prometheus", "http://media.test:9100/metrics", 4000, "media-1"],
      [
        "bucket",
        "garage",
        "json",
        "http://garage.test:3903/admin/v2/GetBucketInfo?globalAlias=meet-media-storage",
        2500,
        "meet-media-storage",
      ],
      [
        "bucket",
        "garage",
        "json",
        "http://garage.test:3903/admin/v2/GetBucketInfo?globalAlias=meet-backups",
        2500,
        "meet-backups",
      ],
      ["egress", "egress", "prometheus", "http://eg-0.test:7889/metrics", 4000, undefined],
      ["egress", "egress", "prometheus", "http://eg-1.test:7889/metrics", 4000, undefined],
    ]);
    expect(plan.sources[3]?.auth).toEqual({ type: "bearer", token, field: "targets.garage.buckets.token" });
    expect(plan.sourceKinds).toEqual(["redis", "host", "bucket", "egress"]);
    expect(plan.sourceComponents).toEqual(["redis", "host", "garage", "egress"]);
  });

  it("reads Garage 1.x's /v1/bucket, and egress' health endpoint when configured", () => {
    const plan = planConfig(
      configOf({
        garage: {
          adminUrl: "http://garage.test:3903",
          buckets: { names: ["meet-media-storage"], token, api: "v1" },
        },
        egress: { healthUrl: "http://eg-0.test:8080/" },
      }),
    );
    expect(plan.sources.map((s) => [s.kind, s.url.href])).toEqual([
      ["garage", "http://garage.test:3903/metrics"],
      ["bucket", "http://garage.test:3903/v1/bucket?globalAlias=meet-media-storage"],
      ["egressHealth", "http://eg-0.test:8080/"],
    ]);
  });
});

describe("alarms of the other layers", () => {
  it("creates the host alarms once per host, named after it", () => {
    const plan = planConfig(
      configOf({
        hosts: [
          { name: "db-1", url: "http://db.test:9100/metrics" },
          { name: "media-1", url: "http://media.test:9100/metrics" },
        ],
      }),
    );
    const hosts = plan.alarms.filter((alarm) => alarm.component === "host");
    expect(hosts.map((alarm) => [alarm.key, alarm.name])).toEqual([
      ["sourceUnreadable-host", "Meet-host-metrics-unreadable"],
      ["hostCpuBusy-host-db-1", "Meet-host-db-1-cpu-busy"],
      ["hostCpuBusy-host-media-1", "Meet-host-media-1-cpu-busy"],
      ["hostMemoryLow-host-db-1", "Meet-host-db-1-memory-low"],
      ["hostMemoryLow-host-media-1", "Meet-host-media-1-memory-low"],
      ["hostDiskSpace-host-db-1", "Meet-host-db-1-disk-space"],
      ["hostDiskSpace-host-media-1", "Meet-host-media-1-disk-space"],
    ]);
    const cpu = hosts[1];
    expect(cpu?.source).toMatchObject({
      kind: "contract",
      component: "host",
      instance: { dimension: "Host", value: "db-1" },
    });
    expect(cpu?.description).toContain(
      "Rule: CpuBusy of host db-1 (Average per 60 s) > 90 for 15 of 15 periods",
    );
  });

  it("says why each alarm of a layer is not created, in the words of its requirement", () => {
    const plan = planConfig(
      configOf({
        backend: {
          url: "http://backend.test",
          requests: { preset: "custom", url: "http://app.test/metrics", metric: "m", statusLabel: "s" },
        },
        redis: { cacheClusterId: "meet-redis-001" },
        egress: { healthUrl: "http://eg.test:8080/" },
      }),
    );
    const created = plan.alarms.map((alarm) => alarm.id);
    expect(created).toContain("redisMemoryHigh");
    expect(created).toContain("egressUnavailable");
    const skipped = Object.fromEntries(plan.skipped.map((skip) => [skip.id, skip.detail]));
    expect(skipped).toMatchObject({
      slowResponses:
        "needs targets.backend.requests with a response-time histogram (any preset; custom with histogram)",
      redisDown:
        "needs targets.redis.exporterUrl (ElastiCache replaces a failed node itself and has no up metric)",
      redisRejectedConnections:
        "needs targets.redis.exporterUrl (ElastiCache publishes no count of rejected connections)",
      recordingFailures: "needs targets.egress.metricsUrl (the health endpoint does not count failures)",
      hostCpuBusy: "needs each of targets.hosts",
      replicationLagHigh: "needs targets.database.exporterUrl or rdsReplicaInstanceIds",
    });
    expect(plan.alarms.find((alarm) => alarm.id === "redisMemoryHigh")?.source).toEqual({
      kind: "elasticache",
      metricName: "DatabaseMemoryUsagePercentage",
      cacheClusterId: "meet-redis-001",
      cacheNodeId: "0001",
    });
  });

  it("warns on any failed recording for 15 minutes, and keeps that when only the window changes", () => {
    const egress = { metricsUrl: "http://eg.test:7889/metrics" };
    const failures = (alarms: Record<string, unknown> = {}) =>
      planConfig(configOf({ egress }, alarms)).alarms.find((alarm) => alarm.id === "recordingFailures");
    expect(failures()).toMatchObject({ evaluationPeriods: 15, datapointsToAlarm: 1, severity: "warning" });
    expect(failures({ recordingFailures: { evaluationPeriods: 30 } })).toMatchObject({
      evaluationPeriods: 30,
      datapointsToAlarm: 1,
    });
    expect(
      planConfig(configOf({ egress })).alarms.find((alarm) => alarm.id === "egressUnavailable"),
    ).toMatchObject({
      severity: "critical",
      missingData: "ignore",
    });
  });
});
