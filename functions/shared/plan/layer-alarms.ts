/**
 * When the alarms of the guide's other layers are created, and what each watches: the monitor's
 * own figures, or AWS's metrics for the ALB, RDS and ElastiCache variants. One alarm per host for
 * the host alarms.
 */
import { DEFAULT_CACHE_NODE_ID } from "../config/redis.ts";
import type { LayerAlarmId } from "../layer-alarms.ts";
import { albOf, contract, onSource, type Requirement } from "./requirement.ts";

/** An alarm of a host figure: one per configured host. */
const perHost: Requirement = {
  when: "each of `targets.hosts`",
  find: ({ config }, defaults) =>
    (config.targets.hosts ?? []).map((host) =>
      contract(defaults, "host", undefined, { dimension: "Host", value: host.name }),
    ),
};

export const LAYER_REQUIREMENTS: Readonly<Record<LayerAlarmId, Requirement>> = {
  slowResponses: {
    when: "`targets.backend.requests` with a response-time histogram (any preset; `custom` with `histogram`)",
    find: ({ config, sources }, defaults) => {
      const alb = albOf(config);
      if (alb) return [{ component: "backend", source: { kind: "albResponseTime", ...alb } }];
      const requests = config.targets.backend?.requests;
      if (requests?.preset === "custom" && requests.histogram === undefined) return [];
      return sources.includes("backend") ? [contract(defaults)] : [];
    },
  },
  redisMemoryHigh: {
    when: "`targets.redis`",
    find: ({ config, sources }, defaults) => {
      const redis = config.targets.redis;
      if (redis?.cacheClusterId !== undefined) {
        return [
          {
            component: "redis",
            source: {
              kind: "elasticache",
              metricName: "DatabaseMemoryUsagePercentage",
              cacheClusterId: redis.cacheClusterId,
              cacheNodeId: redis.cacheNodeId ?? DEFAULT_CACHE_NODE_ID,
            },
          },
        ];
      }
      return sources.includes("redis") ? [contract(defaults)] : [];
    },
  },
  redisRejectedConnections: {
    ...onSource("redis"),
    when: "`targets.redis.exporterUrl` (ElastiCache publishes no count of rejected connections)",
  },
  redisDown: {
    ...onSource("redis"),
    when: "`targets.redis.exporterUrl` (ElastiCache replaces a failed node itself and has no up metric)",
  },
  replicationLagHigh: {
    when: "`targets.database.exporterUrl` or `rdsReplicaInstanceIds`",
    find: ({ config, sources }, defaults) => {
      const replicaIds = config.targets.database?.rdsReplicaInstanceIds;
      if (replicaIds !== undefined)
        return [{ component: "database", source: { kind: "rdsReplicaLag", replicaIds } }];
      return sources.includes("database") ? [contract(defaults)] : [];
    },
  },
  longTransaction: onSource("database"),
  hostCpuBusy: perHost,
  hostMemoryLow: perHost,
  hostDiskSpace: perHost,
  egressUnavailable: {
    when: "`targets.egress`",
    find: ({ sources }, defaults) =>
      sources.includes("egress") || sources.includes("egressHealth") ? [contract(defaults)] : [],
  },
  recordingFailures: {
    ...onSource("egress"),
    when: "`targets.egress.metricsUrl` (the health endpoint does not count failures)",
  },
};
