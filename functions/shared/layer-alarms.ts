/**
 * The alarms of the monitoring guide's other layers: response time, Redis, replication and
 * transactions, hosts and the recording workers. Part of the alarm catalogue (alarms.ts appends
 * these ids after its own); pure data.
 */
import { rule } from "./alarm-rule.ts";
import type { AlarmDefault } from "./alarms.ts";
import { FigureMetrics } from "./metrics.ts";

export const LAYER_ALARM_IDS = [
  "slowResponses",
  "redisMemoryHigh",
  "redisRejectedConnections",
  "redisDown",
  "replicationLagHigh",
  "longTransaction",
  "hostCpuBusy",
  "hostMemoryLow",
  "hostDiskSpace",
  "egressUnavailable",
  "recordingFailures",
] as const;
export type LayerAlarmId = (typeof LAYER_ALARM_IDS)[number];

export const LAYER_ALARM_DEFAULTS: Readonly<Record<LayerAlarmId, AlarmDefault>> = {
  slowResponses: {
    id: "slowResponses",
    nameSuffix: "slow-responses",
    title: "Slow responses",
    severity: "warning",
    metric: FigureMetrics.ResponseTimeP95,
    component: "backend",
    ...rule("Maximum", ">", 1000, 10, "notBreaching"),
    guideRow: "(the guide's Application layer: response time; no alert row) p95 above 1 s for 10 minutes",
    meaning: "The backend's 95th percentile response time has been above 1 s every minute for 10 minutes.",
    firstCheck:
      "the database (slow queries, connections, locks) and Redis, then the backend's CPU; Sentry's performance view for the slow views",
    why: "The quantile comes from histogram buckets: it can only be as precise as the bucket around 1 s. Minutes without requests publish nothing (not breaching).",
  },
  redisMemoryHigh: {
    id: "redisMemoryHigh",
    nameSuffix: "memory-high",
    title: "Redis memory high",
    severity: "warning",
    metric: FigureMetrics.RedisMemoryPercent,
    component: "redis",
    ...rule("Maximum", ">", 90, 10, "notBreaching"),
    guideRow: "(the guide's Redis layer: memory usage; no alert row) above 90 % of maxmemory for 10 minutes",
    meaning:
      "Redis has used more than 90 % of maxmemory for 10 minutes: it will soon evict keys (sessions, throttling counters, Celery messages) or refuse writes.",
    firstCheck: "`redis-cli info memory` and the biggest keys (`redis-cli --bigkeys`); the maxmemory-policy",
    why: "With maxmemory 0 (no limit) there is no percentage: nothing is published and the host's MemoryAvailable is the figure to watch.",
  },
  redisRejectedConnections: {
    id: "redisRejectedConnections",
    nameSuffix: "rejected-connections",
    title: "Redis rejecting connections",
    severity: "warning",
    metric: FigureMetrics.RejectedConnections,
    component: "redis",
    ...rule("Sum", ">", 0, 5, "notBreaching"),
    guideRow:
      "(the guide's Redis layer: connection count; no alert row) rejected connections above 0 for 5 minutes",
    meaning: "Redis has refused new connections (maxclients reached) every minute for 5 minutes.",
    firstCheck:
      "`redis-cli info clients` (connected_clients against maxclients) and the pools of gunicorn and Celery",
    why: "Any refused connection is a failed request somewhere; five minutes in a row is a saturated server, not a burst.",
  },
  redisDown: {
    id: "redisDown",
    nameSuffix: "down",
    title: "Redis down",
    severity: "critical",
    metric: FigureMetrics.RedisUp,
    component: "redis",
    ...rule("Minimum", "<", 1, 2, "ignore"),
    guideRow: "(the guide's Redis layer; no alert row) redis_exporter reports Redis down for 2 minutes",
    meaning:
      "redis_exporter has not reached Redis for 2 minutes: sessions, throttling and Celery's queue are gone; the backend's heartbeat does not check Redis, so this is the only page for it.",
    firstCheck:
      "the Redis server or pod, then the exporter's address and password (`redis_up` is the exporter's view)",
    why: "RedisUp is published every cycle the exporter answers; when the exporter itself cannot be read the alarm keeps its state and Metrics unreadable warns instead.",
  },
  replicationLagHigh: {
    id: "replicationLagHigh",
    nameSuffix: "replication-lag",
    title: "Replication lag",
    severity: "warning",
    metric: FigureMetrics.ReplicationLag,
    component: "database",
    ...rule("Maximum", ">", 30, 5, "notBreaching"),
    guideRow: "(the guide's Database layer: replication lag; no alert row) above 30 s for 5 minutes",
    meaning:
      "A PostgreSQL replica has been more than 30 s behind the primary for 5 minutes: a failover now would lose that much, and reads from it are stale.",
    firstCheck:
      "pg_stat_replication on the primary (the replica's state, sent and replayed LSN), then the replica's disk and network",
    why: "Lag is only published from a replica, so a primary-only setup never breaches.",
  },
  longTransaction: {
    id: "longTransaction",
    nameSuffix: "long-transaction",
    title: "Long transaction",
    severity: "warning",
    metric: FigureMetrics.LongestTransaction,
    component: "database",
    ...rule("Maximum", ">", 600, 1, "notBreaching"),
    guideRow:
      "(the guide's Database layer: query time; no alert row) a transaction open longer than 10 minutes",
    meaning:
      "A transaction has been open for more than 10 minutes: it holds locks and keeps VACUUM from cleaning up (often a session left 'idle in transaction').",
    firstCheck:
      "pg_stat_activity ordered by xact_start (its pid, state and query), then pg_terminate_backend if it is stuck",
    why: "The figure is itself a duration, so one datapoint above 10 minutes is already 10 minutes of transaction.",
  },
  hostCpuBusy: {
    id: "hostCpuBusy",
    nameSuffix: "cpu-busy",
    title: "Host CPU busy",
    severity: "warning",
    metric: FigureMetrics.CpuBusy,
    component: "host",
    ...rule("Average", ">", 90, 15, "notBreaching"),
    guideRow: "(the guide's Infrastructure layer: CPU; no alert row) above 90 % for 15 minutes",
    meaning: "This host's CPUs have been more than 90 % busy for 15 minutes: everything on it slows down.",
    firstCheck: "`top` on the host for the process using it (LiveKit, egress' Chrome, gunicorn, PostgreSQL)",
    why: "One alarm per host. I/O wait is not counted as busy (DiskBusy shows it); 15 minutes ignores batch jobs and recordings starting.",
  },
  hostMemoryLow: {
    id: "hostMemoryLow",
    nameSuffix: "memory-low",
    title: "Host memory low",
    severity: "warning",
    metric: FigureMetrics.MemoryAvailable,
    component: "host",
    ...rule("Minimum", "<", 10, 10, "notBreaching"),
    guideRow: "(the guide's Infrastructure layer: memory; no alert row) available below 10 % for 10 minutes",
    meaning:
      "Less than 10 % of this host's memory has been available for 10 minutes: the OOM killer is near.",
    firstCheck: "`free -m` and `ps aux --sort=-rss | head` on the host; `dmesg` for OOM kills",
    why: "MemAvailable counts reclaimable cache as available, so a full page cache does not alarm.",
  },
  hostDiskSpace: {
    id: "hostDiskSpace",
    nameSuffix: "disk-space",
    title: "Host disk space",
    severity: "warning",
    metric: FigureMetrics.FilesystemFree,
    component: "host",
    ...rule("Minimum", "<", 20, 5, "notBreaching"),
    guideRow: "Disk space | <20% free on storage | Warning (for the hosts)",
    meaning: "A filesystem of this host has had less than 20 % free space for 5 minutes.",
    firstCheck: "`df -h` on the host, then what grows (logs, PostgreSQL WAL, container images)",
    why: "The guide's disk row applied to the hosts: the fullest writable disk filesystem; 5 minutes ignores a transient figure.",
  },
  egressUnavailable: {
    id: "egressUnavailable",
    nameSuffix: "no-worker-available",
    title: "No recording worker available",
    severity: "critical",
    metric: FigureMetrics.EgressAvailable,
    component: "egress",
    ...rule("Minimum", "<", 1, 5, "ignore"),
    guideRow:
      "(the guide's log source livekit-egress; no alert row) no egress worker available for 5 minutes",
    meaning:
      "No LiveKit egress worker has been able to take a recording for 5 minutes (all busy, out of CPU, or unreachable): nobody can record.",
    firstCheck:
      "the egress pods and their logs, then the probe's log for each worker (refused or timeout: down; can_accept_request 0: busy or out of CPU)",
    why: "Published every cycle (an unreadable worker counts as unavailable), so missing data means the monitor is broken and keeps the state. Configure egress only where recording is enabled.",
  },
  recordingFailures: {
    id: "recordingFailures",
    nameSuffix: "recordings-failed",
    title: "Recordings failing",
    severity: "warning",
    metric: FigureMetrics.FailedRecordings,
    component: "egress",
    ...rule("Sum", ">", 0, 15, "notBreaching", { datapoints: 1 }),
    guideRow:
      "(the guide's log source livekit-egress; no alert row) failed recordings in the last 15 minutes",
    meaning:
      "A recording failed (killed for CPU or memory, aborted, or the handler crashed) in the last 15 minutes.",
    firstCheck: "the egress logs around the failure (its egress id), then the worker's CPU and memory",
    why: "Recordings start rarely, so failures never fill 15 minutes in a row: any failure warns, and the alarm clears 15 minutes after the last one.",
  },
};
