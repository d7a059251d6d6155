/**
 * The dashboard panels of the guide's other layers: response time, Redis, the database's
 * replication and queries, hosts (one line per host), bucket sizes (one line per bucket) and the
 * recording workers. Each panel exists only when its source is configured, and shows exactly what
 * its alarm evaluates (the same contract metrics, or the same AWS metric math).
 */
import { Duration } from "aws-cdk-lib";
import { type IMetric, type IWidget, Metric } from "aws-cdk-lib/aws-cloudwatch";
import type { MonitorConfig } from "../functions/shared/config/index.ts";
import { DEFAULT_CACHE_NODE_ID } from "../functions/shared/config/redis.ts";
import { FigureMetrics, type MetricSpec } from "../functions/shared/metrics.ts";
import type { ConfigPlan, SourceInstance } from "../functions/shared/plan/index.ts";
import { albResponseTimeMs, elasticacheMetric, rdsReplicaLag } from "./aws-metrics.ts";
import type { WidgetKit } from "./dashboard-grid.ts";

/** A section builder's view of the dashboard: its configuration, its plan and its helpers. */
interface DashboardKit extends WidgetKit {
  readonly config: MonitorConfig;
  readonly plan: ConfigPlan;
}

const MINUTE = Duration.minutes(1);

/** Every panel of the other layers, in the guide's order; the dashboard lays them two to a row. */
export function layerWidgets(config: MonitorConfig, plan: ConfigPlan, widgets: WidgetKit): IWidget[] {
  const kit: DashboardKit = {
    config,
    plan,
    metric: (...args) => widgets.metric(...args),
    threshold: (id, label) => widgets.threshold(id, label),
    graph: (title, left, options) => widgets.graph(title, left, options),
  };
  return [
    ...responseTimeWidgets(kit),
    ...redisWidgets(kit),
    ...databaseWidgets(kit),
    ...hostWidgets(kit),
    ...bucketWidgets(kit),
    ...egressWidgets(kit),
  ];
}

function responseTimeWidgets(kit: DashboardKit): IWidget[] {
  const requests = kit.config.targets.backend?.requests;
  if (requests?.preset === "alb") {
    const { loadBalancer, targetGroup } = requests;
    return [
      kit.graph(
        "Backend: response time (ms) from the ALB",
        [
          albResponseTimeMs(loadBalancer, targetGroup, "p50", MINUTE),
          albResponseTimeMs(loadBalancer, targetGroup, "p95", MINUTE),
        ],
        { annotations: kit.threshold("slowResponses", "alarm") },
      ),
    ];
  }
  if (!kit.plan.sourceKinds.includes("backend")) return [];
  if (requests?.preset === "custom" && requests.histogram === undefined) return [];
  return [
    kit.graph(
      "Backend: response time (ms)",
      [
        kit.metric(FigureMetrics.ResponseTimeP50, "Maximum"),
        kit.metric(FigureMetrics.ResponseTimeP95, "Maximum"),
      ],
      { annotations: kit.threshold("slowResponses", "alarm") },
    ),
  ];
}

function redisWidgets(kit: DashboardKit): IWidget[] {
  const redis = kit.config.targets.redis;
  if (redis?.cacheClusterId !== undefined) {
    const node = redis.cacheNodeId ?? DEFAULT_CACHE_NODE_ID;
    const cache = (name: string, statistic: string): IMetric =>
      elasticacheMetric(name, redis.cacheClusterId ?? "", node, statistic, MINUTE);
    return [
      kit.graph(
        "Redis: memory (% of maxmemory), ElastiCache",
        [cache("DatabaseMemoryUsagePercentage", "Maximum")],
        {
          annotations: kit.threshold("redisMemoryHigh", "alarm"),
        },
      ),
      kit.graph("Redis: hit rate (%) and clients, ElastiCache", [cache("CacheHitRate", "Average")], {
        right: [cache("CurrConnections", "Maximum"), cache("Evictions", "Sum")],
      }),
    ];
  }
  if (!kit.plan.sourceKinds.includes("redis")) return [];
  const m = (spec: MetricSpec, statistic: string): IMetric => kit.metric(spec, statistic);
  return [
    kit.graph("Redis: memory (% of maxmemory)", [m(FigureMetrics.RedisMemoryPercent, "Maximum")], {
      right: [m(FigureMetrics.RedisUp, "Minimum")],
      annotations: kit.threshold("redisMemoryHigh", "alarm"),
    }),
    kit.graph("Redis: hit rate (%) and clients", [m(FigureMetrics.CacheHitRate, "Average")], {
      right: [m(FigureMetrics.RedisClients, "Maximum")],
    }),
    kit.graph(
      "Redis: rejected connections and evicted keys",
      [m(FigureMetrics.RejectedConnections, "Sum"), m(FigureMetrics.EvictedKeys, "Sum")],
      { annotations: kit.threshold("redisRejectedConnections", "alarm") },
    ),
  ];
}

function databaseWidgets(kit: DashboardKit): IWidget[] {
  const database = kit.config.targets.database;
  if (database?.rdsInstanceId !== undefined) {
    const rds = (name: string): IMetric =>
      new Metric({
        namespace: "AWS/RDS",
        metricName: name,
        dimensionsMap: { DBInstanceIdentifier: database.rdsInstanceId ?? "" },
        statistic: "Average",
        period: MINUTE,
      });
    const widgets = [
      kit.graph("Database: storage I/O latency (s per operation, RDS)", [
        rds("ReadLatency"),
        rds("WriteLatency"),
      ]),
    ];
    if (database.rdsReplicaInstanceIds !== undefined) {
      widgets.unshift(
        kit.graph(
          "Database: replication lag (s, RDS)",
          [rdsReplicaLag(database.rdsReplicaInstanceIds, MINUTE)],
          {
            annotations: kit.threshold("replicationLagHigh", "alarm"),
          },
        ),
      );
    }
    return widgets;
  }
  if (!kit.plan.sourceKinds.includes("database")) return [];
  const m = (spec: MetricSpec, statistic: string): IMetric => kit.metric(spec, statistic);
  return [
    kit.graph("Database: replication lag (s)", [m(FigureMetrics.ReplicationLag, "Maximum")], {
      annotations: kit.threshold("replicationLagHigh", "alarm"),
    }),
    kit.graph(
      "Database: longest transaction (s) and deadlocks",
      [m(FigureMetrics.LongestTransaction, "Maximum")],
      {
        right: [m(FigureMetrics.Deadlocks, "Sum")],
        annotations: kit.threshold("longTransaction", "alarm"),
      },
    ),
    kit.graph("Database: mean query time (ms, pg_stat_statements)", [
      m(FigureMetrics.MeanQueryTime, "Average"),
    ]),
  ];
}

/** One panel per host figure, one line per host. */
function hostWidgets(kit: DashboardKit): IWidget[] {
  const hosts = (kit.config.targets.hosts ?? []).map(
    (host): SourceInstance => ({ dimension: "Host", value: host.name }),
  );
  if (hosts.length === 0) return [];
  const lines = (spec: MetricSpec, statistic: string, suffix = ""): IMetric[] =>
    hosts.map((host) => kit.metric(spec, statistic, "host", undefined, `${host.value}${suffix}`, host));
  return [
    kit.graph("Hosts: CPU busy (%)", lines(FigureMetrics.CpuBusy, "Average"), {
      annotations: kit.threshold("hostCpuBusy", "alarm"),
    }),
    kit.graph("Hosts: memory available (%)", lines(FigureMetrics.MemoryAvailable, "Minimum"), {
      annotations: kit.threshold("hostMemoryLow", "alarm"),
    }),
    kit.graph("Hosts: fullest filesystem, free (%)", lines(FigureMetrics.FilesystemFree, "Minimum"), {
      annotations: kit.threshold("hostDiskSpace", "alarm"),
    }),
    kit.graph("Hosts: busiest disk, busy (%)", lines(FigureMetrics.DiskBusy, "Average")),
    kit.graph("Hosts: network (bytes/s)", [
      ...lines(FigureMetrics.NetworkIn, "Average", " in"),
      ...lines(FigureMetrics.NetworkOut, "Average", " out"),
    ]),
  ];
}

/** Bucket sizes, one line per bucket. */
function bucketWidgets(kit: DashboardKit): IWidget[] {
  const names = kit.config.targets.garage?.buckets?.names ?? [];
  if (names.length === 0) return [];
  const lines = (spec: MetricSpec): IMetric[] =>
    names.map((name) =>
      kit.metric(spec, "Maximum", "garage", undefined, name, { dimension: "Bucket", value: name }),
    );
  return [
    kit.graph("Garage buckets: size (bytes)", lines(FigureMetrics.BucketBytes), {
      right: lines(FigureMetrics.BucketObjects),
    }),
    kit.graph("Garage buckets: unfinished multipart uploads", lines(FigureMetrics.UnfinishedUploads)),
  ];
}

function egressWidgets(kit: DashboardKit): IWidget[] {
  const kinds = kit.plan.sourceKinds;
  if (!kinds.includes("egress") && !kinds.includes("egressHealth")) return [];
  const m = (spec: MetricSpec, statistic: string): IMetric => kit.metric(spec, statistic);
  const widgets = [
    kit.graph("Recording workers: available", [m(FigureMetrics.EgressAvailable, "Minimum")], {
      right: [m(FigureMetrics.ActiveRecordings, "Maximum")],
      annotations: kit.threshold("egressUnavailable", "alarm"),
    }),
  ];
  if (kinds.includes("egress")) {
    widgets.push(
      kit.graph("Recording workers: failed recordings", [m(FigureMetrics.FailedRecordings, "Sum")], {
        annotations: kit.threshold("recordingFailures", "alarm"),
      }),
    );
  }
  return widgets;
}
