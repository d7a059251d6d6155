/** The configuration of the guide's other layers: Redis, hosts, egress, bucket sizes, replicas, histograms. */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../functions/shared/config/index.ts";

function issuesOf(
  targets: Record<string, unknown>,
  alarms?: Record<string, unknown>,
): { path: string; message: string }[] {
  const result = parseConfig({ targets, ...(alarms ? { alarms } : {}) });
  return result.ok ? [] : [...result.issues];
}

const credential = { env: "TOKEN" };

describe("config of the other layers", () => {
  it("accepts every new source, with the alarms' overrides", () => {
    expect(
      issuesOf(
        {
          backend: {
            url: "http://backend:8000",
            requests: {
              preset: "custom",
              url: "http://app:9000/metrics",
              metric: "http_requests_total",
              statusLabel: "code",
              histogram: "http_request_duration_seconds",
            },
          },
          garage: {
            adminUrl: "http://garage:3903",
            buckets: { names: ["meet-media-storage"], token: credential, api: "v1" },
          },
          database: { exporterUrl: ["http://pg-1:9187/metrics", "http://pg-2:9187/metrics"] },
          redis: {
            exporterUrl: "http://redis:9121/metrics",
            exporterBasicAuth: { username: "u", password: credential },
          },
          hosts: [
            { name: "db-1", url: "http://db-1:9100/metrics" },
            {
              name: "media.1",
              url: "https://media-1:9100/metrics",
              basicAuth: { username: "n", password: credential },
              timeoutMs: 3000,
            },
          ],
          egress: { healthUrl: ["http://egress-0:8080", "http://egress-1:8080"], roomCompositeCpuCost: 1 },
        },
        {
          hostCpuBusy: { threshold: 80 },
          recordingFailures: { datapointsToAlarm: 3 },
          redisDown: { enabled: false },
        },
      ),
    ).toEqual([]);
  });

  it("wants exactly one way to read Redis, and options that fit it", () => {
    expect(issuesOf({ redis: {} })).toEqual([
      { path: "targets.redis", message: "set exactly one of exporterUrl or cacheClusterId" },
    ]);
    expect(issuesOf({ redis: { exporterUrl: "http://r:9121/metrics", cacheClusterId: "meet-001" } })).toEqual(
      [{ path: "targets.redis", message: "set exactly one of exporterUrl or cacheClusterId" }],
    );
    expect(issuesOf({ redis: { exporterUrl: "http://r:9121/metrics", cacheNodeId: "0002" } })).toEqual([
      { path: "targets.redis.cacheNodeId", message: "only applies with cacheClusterId" },
    ]);
    expect(
      issuesOf({
        redis: {
          cacheClusterId: "meet-001",
          cacheNodeId: "1",
          exporterBasicAuth: { username: "u", password: credential },
        },
      }),
    ).toEqual([
      {
        path: "targets.redis.cacheNodeId",
        message: 'must be a four-digit ElastiCache node id such as "0001"',
      },
      { path: "targets.redis.exporterBasicAuth", message: "only applies with exporterUrl" },
    ]);
  });

  it("names every host uniquely, as a dimension and alarm name allow", () => {
    expect(
      issuesOf({
        hosts: [
          { name: "db-1", url: "http://a:9100/metrics" },
          { name: "DB-1", url: "http://b:9100/metrics" },
          { name: "bad name", url: "http://c:9100/metrics" },
          { name: "ok", url: "http://user:pw@d:9100/metrics" },
        ],
      }),
    ).toEqual([
      {
        path: "targets.hosts[2].name",
        message: "must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit",
      },
      { path: "targets.hosts[3].url", message: "must not contain credentials (user:password@)" },
      {
        path: "targets.hosts[1].name",
        message: '"DB-1" is already the name of hosts[0] (names are compared ignoring case)',
      },
    ]);
    const many = Array.from({ length: 51 }, (_, index) => ({
      name: `h${index}`,
      url: `http://h${index}:9100/metrics`,
    }));
    expect(issuesOf({ hosts: many })).toEqual([
      {
        path: "targets.hosts",
        message: "at most 50 hosts (each costs 6 custom metrics and 3 alarms), got 51 items",
      },
    ]);
  });

  it("wants exactly one egress endpoint kind, and the CPU cost only with the health endpoint", () => {
    expect(issuesOf({ egress: {} })).toEqual([
      {
        path: "targets.egress",
        message: "set exactly one of metricsUrl (preferred: also counts failed recordings) or healthUrl",
      },
    ]);
    expect(issuesOf({ egress: { metricsUrl: "http://e:7889/metrics", roomCompositeCpuCost: 2 } })).toEqual([
      {
        path: "targets.egress.roomCompositeCpuCost",
        message: "only applies with healthUrl (the Prometheus page says itself whether a worker can accept)",
      },
    ]);
  });

  it("checks the buckets' names, their number and the admin API's version", () => {
    expect(
      issuesOf({
        garage: {
          adminUrl: "http://garage:3903",
          buckets: {
            names: ["meet-media-storage", "meet-media-storage", "Bad_Name"],
            token: credential,
            api: "v3",
          },
        },
      }),
    ).toEqual([
      {
        path: "targets.garage.buckets.names[2]",
        message: "must be a bucket name: 3 to 63 lowercase letters, digits, '.' and '-'",
      },
      { path: "targets.garage.buckets.names", message: "lists a bucket twice" },
      {
        path: "targets.garage.buckets.api",
        message: 'api must be "v2" (Garage 2.x) or "v1" (Garage 1.x), got "v3"',
      },
    ]);
    expect(
      issuesOf({ garage: { adminUrl: "http://garage:3903", buckets: { names: ["meet-media-storage"] } } }),
    ).toEqual([{ path: "targets.garage.buckets.token", message: expect.any(String) }]);
  });

  it("takes RDS read replicas only with the RDS instance", () => {
    expect(
      issuesOf({ database: { exporterUrl: "http://pg:9187/metrics", rdsReplicaInstanceIds: ["meet-db-2"] } }),
    ).toEqual([
      {
        path: "targets.database.rdsReplicaInstanceIds",
        message: "only applies with rdsInstanceId (an exporter on a replica reports its lag itself)",
      },
    ]);
    expect(
      issuesOf({
        database: { rdsInstanceId: "meet-db", maxConnections: 100, rdsReplicaInstanceIds: ["2bad"] },
      }),
    ).toEqual([
      { path: "targets.database.rdsReplicaInstanceIds[0]", message: "must be an RDS DB instance identifier" },
    ]);
  });

  it("checks a custom histogram's name and the new alarms' overrides", () => {
    expect(
      issuesOf(
        {
          backend: {
            url: "http://backend:8000",
            requests: {
              preset: "custom",
              url: "http://app/metrics",
              metric: "m",
              statusLabel: "s",
              histogram: "not a name",
            },
          },
        },
        { hostDiskSpace: { evaluationPeriods: 2, datapointsToAlarm: 3 }, noSuchAlarm: {} },
      ),
    ).toEqual([
      { path: "targets.backend.requests.histogram", message: "must be a Prometheus metric name" },
      { path: "alarms", message: expect.stringContaining("noSuchAlarm") },
      { path: "alarms.hostDiskSpace.datapointsToAlarm", message: "must not exceed evaluationPeriods (2)" },
    ]);
  });
});
