/** PostgreSQL through postgres_exporter. */
import { untrustedText } from "../../../shared/text.ts";
import type { Exposition } from "../../prometheus/parse.ts";
import { mentions } from "../../prometheus/parse.ts";
import {
  type CounterSeries,
  counterSeries,
  defined,
  type Extractor,
  type GaugeKey,
  maxGauge,
  mentionedCounter,
  select,
} from "./common.ts";

export const POSTGRES = {
  up: "pg_up",
  activity: "pg_stat_activity_count",
  maxConnections: "pg_settings_max_connections",
  maxTxDuration: "pg_stat_activity_max_tx_duration",
  deadlocks: "pg_stat_database_deadlocks",
  /** The `replication` collector (postgres_exporter 0.13 and later, on by default). */
  lagSeconds: "pg_replication_lag_seconds",
  isReplica: "pg_replication_is_replica",
  /** The `pg_replication` query of the exporter's example queries.yaml (--extend.query-path, 0.11). */
  lag: "pg_replication_lag",
} as const;

/** pg_stat_statements as the exporter exposes it: its collector (0.13+), or the 0.11 example query. */
const STATEMENTS = [
  { seconds: "pg_stat_statements_seconds_total", calls: "pg_stat_statements_calls_total" },
  { seconds: "pg_stat_statements_total_time_seconds", calls: "pg_stat_statements_calls" },
] as const;

/**
 * Connections over max_connections, per `server` label (one per DSN the exporter watches); the
 * highest is the figure, since the alarm is about any server nearing its limit. Every state
 * counts: an idle session holds a connection slot as much as an active one.
 */
export const extractPostgres: Extractor = (exposition) => {
  const up = select(exposition, POSTGRES.up);
  if (up.length > 0 && up.every((sample) => sample.value === 0)) {
    return { ok: false, error: "pg_up is 0: the exporter cannot connect to PostgreSQL" };
  }
  const maxima = new Map<string, number>();
  for (const sample of select(exposition, POSTGRES.maxConnections)) {
    if (sample.value > 0 && Number.isFinite(sample.value))
      maxima.set(sample.labels.server ?? "", sample.value);
  }
  if (maxima.size === 0) {
    return {
      ok: false,
      error: `no ${POSTGRES.maxConnections} in the page (exporter started with --disable-settings-metrics, or not postgres_exporter)`,
    };
  }
  const activity = select(exposition, POSTGRES.activity);
  if (activity.length === 0) {
    return {
      ok: false,
      error: `no ${POSTGRES.activity} in the page (exporter started with --disable-default-metrics?)`,
    };
  }
  const connections = new Map<string, number>();
  for (const sample of activity) {
    if (!Number.isFinite(sample.value)) continue;
    const server = sample.labels.server ?? "";
    connections.set(server, (connections.get(server) ?? 0) + sample.value);
  }
  const notes: string[] = [];
  let highest: { server: string; percent: number } | undefined;
  for (const [server, max] of maxima) {
    const count = connections.get(server);
    if (count === undefined) {
      notes.push(`server ${serverText(server)}: max_connections but no ${POSTGRES.activity}`);
      continue;
    }
    const percent = (100 * count) / max;
    if (highest === undefined || percent > highest.percent) highest = { server, percent };
  }
  if (highest === undefined)
    return { ok: false, error: "no server with both connections and max_connections" };
  if (maxima.size > 1) {
    notes.push(`${maxima.size} servers; the highest (server ${serverText(highest.server)}) is published`);
  }
  const gauges: Partial<Record<GaugeKey, number>> = { connectionsPercent: highest.percent };
  const longest = maxGauge(select(exposition, POSTGRES.maxTxDuration));
  if (longest !== undefined) gauges.longestTransaction = longest;
  const lag = replicationLag(exposition, notes);
  if (lag !== undefined) gauges.replicationLag = lag;
  return {
    ok: true,
    extraction: {
      gauges,
      counters: {
        ...defined(
          "deadlocks",
          mentionedCounter(exposition, POSTGRES.deadlocks, () => true, notes),
        ),
        ...statements(exposition, notes),
      },
      notes,
    },
  };
};

/**
 * The replay lag of the replicas this exporter watches (the highest). A primary reports 0, which
 * is no lag figure at all: with pg_replication_is_replica the primaries are left out; the older
 * pg_replication_lag cannot tell, so its 0 is kept (point the exporter at the replica).
 */
function replicationLag(exposition: Exposition, notes: string[]): number | undefined {
  if (mentions(exposition, POSTGRES.lagSeconds)) {
    const replicas = new Set(
      select(exposition, POSTGRES.isReplica)
        .filter((sample) => sample.value === 1)
        .map((sample) => sample.labels.server ?? ""),
    );
    const lag = maxGauge(
      select(exposition, POSTGRES.lagSeconds, (labels) => replicas.has(labels.server ?? "")),
    );
    if (lag === undefined) {
      notes.push(
        "not a replica (pg_replication_is_replica 0): ReplicationLag comes from a replica's exporter",
      );
    }
    return lag;
  }
  return maxGauge(select(exposition, POSTGRES.lag));
}

/** Total statement time and calls from pg_stat_statements, when the exporter exports them. */
function statements(
  exposition: Exposition,
  notes: string[],
): { statementSeconds?: CounterSeries[]; statementCalls?: CounterSeries[] } {
  const names = STATEMENTS.find((candidate) => mentions(exposition, candidate.calls));
  if (!names) return {};
  return {
    statementSeconds: counterSeries(select(exposition, names.seconds), notes),
    statementCalls: counterSeries(select(exposition, names.calls), notes),
  };
}

/** A `server` label value as the exporter sent it: made printable and short for a note. */
function serverText(server: string): string {
  return server === "" ? "(no label)" : `"${untrustedText(server, 80)}"`;
}
