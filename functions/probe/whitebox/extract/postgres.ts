/** PostgreSQL through postgres_exporter. */
import { type Extractor, select } from "./common.ts";

export const POSTGRES = {
  up: "pg_up",
  activity: "pg_stat_activity_count",
  maxConnections: "pg_settings_max_connections",
} as const;

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
      notes.push(`server ${server || "(no label)"}: max_connections but no ${POSTGRES.activity}`);
      continue;
    }
    const percent = (100 * count) / max;
    if (highest === undefined || percent > highest.percent) highest = { server, percent };
  }
  if (highest === undefined)
    return { ok: false, error: "no server with both connections and max_connections" };
  if (maxima.size > 1) {
    notes.push(`${maxima.size} servers; the highest (server ${highest.server}) is published`);
  }
  return { ok: true, extraction: { gauges: { connectionsPercent: highest.percent }, counters: {}, notes } };
};
