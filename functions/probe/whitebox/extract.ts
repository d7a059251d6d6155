/**
 * What each source's page holds for the figures: pure functions from a parsed exposition to the
 * gauges (already combined within the page) and the counter series (kept apart: rates are taken
 * per series). Metric names and labels are the real ones (see the facts in the README).
 */
import type { Exposition, Sample } from "../prometheus/parse.ts";
import { mentions, seriesKey } from "../prometheus/parse.ts";

export type GaugeKey =
  | "rooms"
  | "participants"
  | "publishedTracks"
  | "subscribedTracks"
  | "diskFreePercent"
  | "clusterHealthy"
  | "connectionsPercent";

export type CounterKey =
  | "packetLossIncoming"
  | "packetsIncomingInitial"
  | "nacks"
  | "bytesIncoming"
  | "bytesOutgoing"
  | "webhookFailures"
  | "s3Requests"
  | "s3Errors5xx"
  | "requests"
  | "requests5xx";

export interface CounterSeries {
  /** Name and labels: the series' identity across cycles. */
  readonly key: string;
  readonly value: number;
  /** The page's own timestamp for the sample, when it has one. */
  readonly timestampMs?: number;
}

export interface Extraction {
  readonly gauges: Partial<Record<GaugeKey, number>>;
  readonly counters: Partial<Record<CounterKey, readonly CounterSeries[]>>;
  /** Worth knowing, never a failure: e.g. a filter that matches no series. */
  readonly notes: readonly string[];
}

export type ExtractResult =
  | { readonly ok: true; readonly extraction: Extraction }
  | { readonly ok: false; readonly error: string };

export type Extractor = (exposition: Exposition) => ExtractResult;

type Matcher = (labels: Readonly<Record<string, string>>) => boolean;

const all: Matcher = () => true;
const labelIs =
  (label: string, value: string): Matcher =>
  (labels) =>
    labels[label] === value;
const both =
  (a: Matcher, b: Matcher): Matcher =>
  (labels) =>
    a(labels) && b(labels);

function select(exposition: Exposition, name: string, matcher: Matcher = all): Sample[] {
  return exposition.samples.filter((sample) => sample.name === name && matcher(sample.labels));
}

interface GaugeSum {
  readonly value: number;
  readonly skipped: number;
}

/** Sum of the finite samples (a NaN gauge is skipped and reported, never summed into NaN). */
function sumGauge(samples: readonly Sample[]): GaugeSum {
  let value = 0;
  let skipped = 0;
  for (const sample of samples) {
    if (Number.isFinite(sample.value)) value += sample.value;
    else skipped++;
  }
  return { value, skipped };
}

/** Counter series usable for rates: finite and not negative (anything else is not a counter). */
function counterSeries(samples: readonly Sample[], notes: string[]): CounterSeries[] {
  const series: CounterSeries[] = [];
  let skipped = 0;
  for (const sample of samples) {
    if (!Number.isFinite(sample.value) || sample.value < 0) {
      skipped++;
      continue;
    }
    series.push({
      key: seriesKey(sample.name, sample.labels),
      value: sample.value,
      ...(sample.timestampMs === undefined ? {} : { timestampMs: sample.timestampMs }),
    });
  }
  if (skipped > 0) notes.push(`${skipped} counter sample(s) not finite or negative, ignored`);
  return series;
}

// ---------------------------------------------------------------------------------------------
// LiveKit (one page per node; every series carries node_id and node_type)

export const LIVEKIT = {
  rooms: "livekit_room_total",
  participants: "livekit_participant_total",
  published: "livekit_track_published_total",
  subscribed: "livekit_track_subscribed_total",
  packets: "livekit_packet_total",
  bytes: "livekit_packet_bytes",
  nacks: "livekit_nack_total",
  loss: "livekit_packet_loss_total",
  webhooks: "livekit_webhook_dispatch_total",
} as const;

export const extractLivekit: Extractor = (exposition) => {
  if (!mentions(exposition, LIVEKIT.rooms)) {
    return {
      ok: false,
      error: `no ${LIVEKIT.rooms} in the page: not LiveKit's Prometheus endpoint (prometheus.port, commonly 6789)`,
    };
  }
  const notes: string[] = [];
  const gauges: Partial<Record<GaugeKey, number>> = {};
  const gauge = (key: GaugeKey, name: string): void => {
    const { value, skipped } = sumGauge(select(exposition, name));
    if (skipped > 0) notes.push(`${skipped} ${name} sample(s) not finite, ignored`);
    gauges[key] = value;
  };
  // The `_total` suffix of these gauges is LiveKit's naming: they are current values, not counters.
  gauge("rooms", LIVEKIT.rooms);
  gauge("participants", LIVEKIT.participants);
  gauge("publishedTracks", LIVEKIT.published);
  gauge("subscribedTracks", LIVEKIT.subscribed);
  const incoming = labelIs("direction", "incoming");
  return {
    ok: true,
    extraction: {
      gauges,
      counters: {
        packetLossIncoming: counterSeries(select(exposition, LIVEKIT.loss, incoming), notes),
        packetsIncomingInitial: counterSeries(
          select(exposition, LIVEKIT.packets, both(incoming, labelIs("transmission", "initial"))),
          notes,
        ),
        nacks: counterSeries(select(exposition, LIVEKIT.nacks), notes),
        bytesIncoming: counterSeries(select(exposition, LIVEKIT.bytes, incoming), notes),
        bytesOutgoing: counterSeries(
          select(exposition, LIVEKIT.bytes, labelIs("direction", "outgoing")),
          notes,
        ),
        webhookFailures: counterSeries(
          select(exposition, LIVEKIT.webhooks, labelIs("status", "failure")),
          notes,
        ),
      },
      notes,
    },
  };
};

// ---------------------------------------------------------------------------------------------
// Garage (one page per node; newer builds prefix every name with garage_)

const GARAGE_NAMES = [
  "local_disk_avail",
  "local_disk_total",
  "cluster_healthy",
  "api_s3_request_counter",
  "api_s3_error_counter",
] as const;
type GarageName = (typeof GARAGE_NAMES)[number];

/** The spelling this page uses for a Garage metric: `garage_<name>` when present, else `<name>`. */
export function garageName(exposition: Exposition, name: GarageName): string {
  return mentions(exposition, `garage_${name}`) ? `garage_${name}` : name;
}

const STATUS_5XX = /^5(?:\d\d|xx)$/i;

export const extractGarage: Extractor = (exposition) => {
  const name = (plain: GarageName): string => garageName(exposition, plain);
  if (!GARAGE_NAMES.some((plain) => mentions(exposition, name(plain)))) {
    return {
      ok: false,
      error:
        "none of Garage's metrics (cluster_healthy, local_disk_avail, api_s3_request_counter, with or without garage_) in the page: not Garage's admin /metrics",
    };
  }
  const notes: string[] = [];
  const gauges: Partial<Record<GaugeKey, number>> = {};

  const data = labelIs("volume", "data");
  const totals = new Map(
    select(exposition, name("local_disk_total"), data).map((sample) => [
      labelKey(sample.labels),
      sample.value,
    ]),
  );
  let lowest: number | undefined;
  for (const avail of select(exposition, name("local_disk_avail"), data)) {
    const total = totals.get(labelKey(avail.labels));
    if (total === undefined || !(total > 0) || !Number.isFinite(avail.value)) continue;
    const percent = (100 * avail.value) / total;
    lowest = lowest === undefined ? percent : Math.min(lowest, percent);
  }
  if (lowest === undefined) {
    notes.push(`no usable ${name("local_disk_avail")}/${name("local_disk_total")}{volume="data"} pair`);
  } else gauges.diskFreePercent = lowest;

  const healthy = select(exposition, name("cluster_healthy")).filter((s) => Number.isFinite(s.value));
  if (healthy.length === 0) notes.push(`no ${name("cluster_healthy")} sample`);
  else gauges.clusterHealthy = Math.min(...healthy.map((s) => s.value));

  return {
    ok: true,
    extraction: {
      gauges,
      counters: {
        s3Requests: counterSeries(select(exposition, name("api_s3_request_counter")), notes),
        s3Errors5xx: counterSeries(
          select(exposition, name("api_s3_error_counter"), (labels) =>
            STATUS_5XX.test(labels.status_code ?? ""),
          ),
          notes,
        ),
      },
      notes,
    },
  };
};

function labelKey(labels: Readonly<Record<string, string>>): string {
  return seriesKey("", labels);
}

// ---------------------------------------------------------------------------------------------
// Backend responses by status (ingress-nginx, django-prometheus, or a custom counter)

export interface RequestCounter {
  /** The counter's exposed name, exactly as in the page. */
  readonly metric: string;
  readonly statusLabel: string;
  /** Series must have these label values; a list gives alternative label names for one value. */
  readonly match: readonly { readonly labels: readonly string[]; readonly value: string }[];
}

export const INGRESS_NGINX_METRIC = "nginx_ingress_controller_requests";
export const DJANGO_PROMETHEUS_METRIC = "django_http_responses_total_by_status_total";

export function extractRequests(counter: RequestCounter): Extractor {
  return (exposition) => {
    if (!mentions(exposition, counter.metric)) {
      return {
        ok: false,
        error: `no ${counter.metric} in the page: wrong URL, or the metric is named differently (check the preset)`,
      };
    }
    const notes: string[] = [];
    const matches: Matcher = (labels) =>
      counter.match.every((rule) => {
        const present = rule.labels.find((label) => labels[label] !== undefined);
        return present !== undefined && labels[present] === rule.value;
      });
    const series = select(exposition, counter.metric, matches);
    if (series.length === 0 && counter.match.length > 0) {
      const filter = counter.match.map((rule) => `${rule.labels.join("|")}="${rule.value}"`).join(", ");
      notes.push(`no ${counter.metric} series match ${filter} (yet)`);
    }
    const errors = series.filter((sample) => STATUS_5XX.test(sample.labels[counter.statusLabel] ?? ""));
    return {
      ok: true,
      extraction: {
        gauges: {},
        counters: { requests: counterSeries(series, notes), requests5xx: counterSeries(errors, []) },
        notes,
      },
    };
  };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL through postgres_exporter

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
