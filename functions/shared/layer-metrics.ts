/**
 * The white-box figures of the monitoring guide's remaining layers: response time, Redis, the
 * database's replication and queries, hosts, bucket sizes and the recording workers. Part of the
 * metrics contract (metrics.ts spreads them into FigureMetrics); pure data.
 */
import { BUCKET_DIMENSIONS, FIGURE_DIMENSIONS, HOST_DIMENSIONS, spec } from "./metric-spec.ts";

export const LayerFigureMetrics = {
  ResponseTimeP50: spec({
    name: "ResponseTimeP50",
    unit: "Milliseconds",
    dimensions: FIGURE_DIMENSIONS,
    component: "backend",
    description:
      "Median backend response time over the interval, interpolated in the request histogram's buckets like Prometheus' histogram_quantile.",
  }),
  ResponseTimeP95: spec({
    name: "ResponseTimeP95",
    unit: "Milliseconds",
    dimensions: FIGURE_DIMENSIONS,
    component: "backend",
    description:
      "95th percentile of backend response time over the interval, from the request histogram's buckets (histogram_quantile).",
  }),
  RedisUp: spec({
    name: "RedisUp",
    unit: "None",
    dimensions: FIGURE_DIMENSIONS,
    component: "redis",
    description: "redis_exporter's redis_up: 1 when the exporter reached Redis, 0 when it could not.",
  }),
  RedisMemoryPercent: spec({
    name: "RedisMemoryPercent",
    unit: "Percent",
    dimensions: FIGURE_DIMENSIONS,
    component: "redis",
    description: "Redis used_memory over maxmemory; not published when maxmemory is 0 (no limit).",
  }),
  CacheHitRate: spec({
    name: "CacheHitRate",
    unit: "Percent",
    dimensions: FIGURE_DIMENSIONS,
    component: "redis",
    description: "Keyspace hits over hits and misses in the interval.",
  }),
  RedisClients: spec({
    name: "RedisClients",
    unit: "Count",
    dimensions: FIGURE_DIMENSIONS,
    component: "redis",
    description: "Connected clients (redis_connected_clients, the exporter's own connection included).",
  }),
  RejectedConnections: spec({
    name: "RejectedConnections",
    unit: "Count",
    dimensions: FIGURE_DIMENSIONS,
    component: "redis",
    description: "Connections Redis refused (maxclients reached) in the interval.",
  }),
  EvictedKeys: spec({
    name: "EvictedKeys",
    unit: "Count",
    dimensions: FIGURE_DIMENSIONS,
    component: "redis",
    description: "Keys Redis evicted to stay under maxmemory in the interval.",
  }),
  ReplicationLag: spec({
    name: "ReplicationLag",
    unit: "Seconds",
    dimensions: FIGURE_DIMENSIONS,
    component: "database",
    description: "Replay lag of the most lagging PostgreSQL replica read, in seconds.",
  }),
  LongestTransaction: spec({
    name: "LongestTransaction",
    unit: "Seconds",
    dimensions: FIGURE_DIMENSIONS,
    component: "database",
    description: "Age of the oldest open transaction (any state, idle in transaction included), in seconds.",
  }),
  Deadlocks: spec({
    name: "Deadlocks",
    unit: "Count",
    dimensions: FIGURE_DIMENSIONS,
    component: "database",
    description: "Deadlocks PostgreSQL detected in the interval, all databases.",
  }),
  MeanQueryTime: spec({
    name: "MeanQueryTime",
    unit: "Milliseconds",
    dimensions: FIGURE_DIMENSIONS,
    component: "database",
    description:
      "Mean execution time of the statements pg_stat_statements reports, over the interval (time over calls).",
  }),
  CpuBusy: spec({
    name: "CpuBusy",
    unit: "Percent",
    dimensions: HOST_DIMENSIONS,
    component: "host",
    description: "CPU time not idle and not waiting for I/O over the interval, all CPUs of the host.",
  }),
  MemoryAvailable: spec({
    name: "MemoryAvailable",
    unit: "Percent",
    dimensions: HOST_DIMENSIONS,
    component: "host",
    description: "MemAvailable over MemTotal.",
  }),
  FilesystemFree: spec({
    name: "FilesystemFree",
    unit: "Percent",
    dimensions: HOST_DIMENSIONS,
    component: "host",
    description: "Free space (for unprivileged users) of the host's fullest writable disk filesystem.",
  }),
  DiskBusy: spec({
    name: "DiskBusy",
    unit: "Percent",
    dimensions: HOST_DIMENSIONS,
    component: "host",
    description: "Share of the interval the busiest block device spent doing I/O.",
  }),
  NetworkIn: spec({
    name: "NetworkIn",
    unit: "Bytes/Second",
    dimensions: HOST_DIMENSIONS,
    component: "host",
    description: "Bytes received per second, physical interfaces (no loopback, bridges or veths).",
  }),
  NetworkOut: spec({
    name: "NetworkOut",
    unit: "Bytes/Second",
    dimensions: HOST_DIMENSIONS,
    component: "host",
    description: "Bytes sent per second, physical interfaces (no loopback, bridges or veths).",
  }),
  BucketBytes: spec({
    name: "BucketBytes",
    unit: "Bytes",
    dimensions: BUCKET_DIMENSIONS,
    component: "garage",
    description: "Bytes of the objects in the bucket (Garage's GetBucketInfo `bytes`).",
  }),
  BucketObjects: spec({
    name: "BucketObjects",
    unit: "Count",
    dimensions: BUCKET_DIMENSIONS,
    component: "garage",
    description: "Objects in the bucket (GetBucketInfo `objects`).",
  }),
  UnfinishedUploads: spec({
    name: "UnfinishedUploads",
    unit: "Count",
    dimensions: BUCKET_DIMENSIONS,
    component: "garage",
    description:
      "Multipart uploads started and neither completed nor aborted (`unfinishedMultipartUploads`).",
  }),
  EgressAvailable: spec({
    name: "EgressAvailable",
    unit: "Count",
    dimensions: FIGURE_DIMENSIONS,
    component: "egress",
    description:
      "Egress workers that answered and can accept a room recording now; an unreadable worker counts as unavailable.",
  }),
  ActiveRecordings: spec({
    name: "ActiveRecordings",
    unit: "Count",
    dimensions: FIGURE_DIMENSIONS,
    component: "egress",
    description: "Egress requests (recordings) running, summed over the workers read.",
  }),
  FailedRecordings: spec({
    name: "FailedRecordings",
    unit: "Count",
    dimensions: FIGURE_DIMENSIONS,
    component: "egress",
    description:
      "Recording handlers that ended in failure in the interval: livekit_egress_handler_results_total other than completed (and duplicate_identity).",
  }),
} as const;
