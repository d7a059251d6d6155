/** Which figures each kind of source feeds, and how (see ./figures.ts for the rule kinds). */
import type { SourceKindId } from "../../shared/plan/sources.ts";
import type { FigureRule } from "./figures.ts";

const STATEMENTS_OFF =
  "pg_stat_statements not exported (the extension and the exporter's stat_statements collector are off)";

export const FIGURE_RULES: Readonly<Record<SourceKindId, readonly FigureRule[]>> = {
  livekit: [
    { metric: "Rooms", kind: "sum", gauge: "rooms" },
    { metric: "Participants", kind: "sum", gauge: "participants" },
    { metric: "PublishedTracks", kind: "sum", gauge: "publishedTracks" },
    { metric: "SubscribedTracks", kind: "sum", gauge: "subscribedTracks" },
    {
      metric: "PacketLoss",
      kind: "ratio",
      numerator: "packetLossIncoming",
      denominator: "packetsIncomingInitial",
      idle: "no incoming packets in the interval",
    },
    { metric: "NackRate", kind: "rate", counter: "nacks" },
    { metric: "BytesIn", kind: "rate", counter: "bytesIncoming" },
    { metric: "BytesOut", kind: "rate", counter: "bytesOutgoing" },
    { metric: "WebhookFailures", kind: "increase", counter: "webhookFailures", countsNewSeries: true },
  ],
  garage: [
    { metric: "DiskFreePercent", kind: "min", gauge: "diskFreePercent" },
    {
      metric: "S3ErrorRate",
      kind: "ratio",
      numerator: "s3Errors5xx",
      denominator: "s3Requests",
      idle: "no S3 requests in the interval",
    },
    { metric: "ClusterHealthy", kind: "min", gauge: "clusterHealthy" },
  ],
  backend: [
    {
      metric: "ErrorRate",
      kind: "ratio",
      numerator: "requests5xx",
      denominator: "requests",
      idle: "no requests in the interval",
    },
    { metric: "RequestRate", kind: "rate", counter: "requests" },
    {
      metric: "ResponseTimeP50",
      kind: "quantile",
      histogram: "responseTime",
      quantile: 0.5,
      scale: 1000,
      idle: "no requests in the interval",
      absent: "no response-time histogram in the page (see the source's notes)",
    },
    {
      metric: "ResponseTimeP95",
      kind: "quantile",
      histogram: "responseTime",
      quantile: 0.95,
      scale: 1000,
      idle: "no requests in the interval",
      absent: "no response-time histogram in the page (see the source's notes)",
    },
  ],
  database: [
    { metric: "ConnectionsPercent", kind: "max", gauge: "connectionsPercent" },
    {
      metric: "ReplicationLag",
      kind: "max",
      gauge: "replicationLag",
      absent: "no replica's lag in the pages (see the source's notes)",
    },
    { metric: "LongestTransaction", kind: "max", gauge: "longestTransaction" },
    { metric: "Deadlocks", kind: "increase", counter: "deadlocks" },
    {
      metric: "MeanQueryTime",
      kind: "ratio",
      numerator: "statementSeconds",
      denominator: "statementCalls",
      scale: 1000,
      idle: "no statement ran in the interval",
      absent: STATEMENTS_OFF,
    },
  ],
  // The guide's other layers.
  redis: [
    { metric: "RedisUp", kind: "min", gauge: "redisUp" },
    { metric: "RedisMemoryPercent", kind: "max", gauge: "redisMemoryPercent" },
    {
      metric: "CacheHitRate",
      kind: "ratio",
      numerator: "redisHits",
      denominator: "redisLookups",
      idle: "no key lookups in the interval",
    },
    { metric: "RedisClients", kind: "sum", gauge: "redisClients" },
    { metric: "RejectedConnections", kind: "increase", counter: "redisRejected" },
    { metric: "EvictedKeys", kind: "increase", counter: "redisEvicted" },
  ],
  host: [
    {
      metric: "CpuBusy",
      kind: "ratio",
      numerator: "cpuBusySeconds",
      denominator: "cpuSeconds",
      idle: "no CPU time counted in the interval",
    },
    { metric: "MemoryAvailable", kind: "min", gauge: "memoryAvailablePercent" },
    { metric: "FilesystemFree", kind: "min", gauge: "filesystemFreePercent" },
    // Seconds of I/O per second of the busiest device, as a percentage.
    { metric: "DiskBusy", kind: "maxRate", counter: "diskIoSeconds", scale: 100 },
    { metric: "NetworkIn", kind: "rate", counter: "networkReceiveBytes" },
    { metric: "NetworkOut", kind: "rate", counter: "networkTransmitBytes" },
  ],
  bucket: [
    { metric: "BucketBytes", kind: "sum", gauge: "bucketBytes" },
    { metric: "BucketObjects", kind: "sum", gauge: "bucketObjects" },
    { metric: "UnfinishedUploads", kind: "sum", gauge: "unfinishedUploads" },
  ],
  egress: [
    // A worker that cannot be read cannot be confirmed available: it counts as 0.
    { metric: "EgressAvailable", kind: "sum", gauge: "egressAvailable", unreadIsZero: true },
    { metric: "ActiveRecordings", kind: "sum", gauge: "activeRecordings" },
    // Its series appear at a kind's first failure, on a worker whose node_id says it did not restart.
    { metric: "FailedRecordings", kind: "increase", counter: "failedRecordings", countsNewSeries: true },
  ],
  egressHealth: [
    { metric: "EgressAvailable", kind: "sum", gauge: "egressAvailable", unreadIsZero: true },
    { metric: "ActiveRecordings", kind: "sum", gauge: "activeRecordings" },
  ],
};
