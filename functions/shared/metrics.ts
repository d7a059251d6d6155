/**
 * The metrics contract: every metric name, unit and dimension set the monitor publishes.
 *
 * The probe (functions/) builds its datums from these specs and the CDK alarms and dashboard
 * (infra/) build their `Metric`s from the same specs, so the two cannot drift apart.
 * This module is pure data: no AWS or Node imports, safe to bundle anywhere. Its vocabulary (units,
 * dimensions, components, the spec's shape) is ./metric-spec.ts, re-exported here; the figures of
 * the guide's other layers are ./layer-metrics.ts, spread into FigureMetrics.
 */

import { LayerFigureMetrics } from "./layer-metrics.ts";
import {
  CHECK_DIMENSIONS,
  type CheckComponent,
  FIGURE_DIMENSIONS,
  type MetricSpec,
  MONITOR_DIMENSIONS,
  spec,
} from "./metric-spec.ts";

export * from "./metric-spec.ts";

/** The `Check` dimension value of each component's health check. */
export const CHECK_NAME = {
  backend: "heartbeat",
  livekit: "health",
  garage: "health",
} as const satisfies Record<CheckComponent, string>;
export type HealthCheckName = (typeof CHECK_NAME)[CheckComponent];

/**
 * Deep checks (docs/deep-checks.md): the transactions users depend on, each with its own `Check`
 * dimension value, mapped to the component it belongs to. A join, the TURN relay over each
 * transport, the LiveKit webhook into the backend, and a recording-sized round trip through S3.
 */
export const DEEP_CHECKS = {
  join: "livekit",
  "turn-udp": "livekit",
  "turn-tcp": "livekit",
  "turn-tls": "livekit",
  webhook: "backend",
  s3: "garage",
} as const satisfies Record<string, CheckComponent>;
export type DeepCheckName = keyof typeof DEEP_CHECKS;
export type TurnCheckName = "turn-udp" | "turn-tcp" | "turn-tls";
export const TURN_CHECKS: readonly TurnCheckName[] = ["turn-udp", "turn-tcp", "turn-tls"];

export type CheckName = HealthCheckName | DeepCheckName;

/**
 * The deep checks whose phase timings (DnsTime, ConnectTime, TlsTime, Ttfb) are published, besides
 * every health check: the join, whose time to the join response is what users wait for. The
 * others are pass/fail transactions: their phases stay in the CLI and the log line, which saves
 * their custom metrics (docs/deep-checks.md, cost).
 */
export const DEEP_CHECKS_WITH_PHASES: ReadonlySet<DeepCheckName> = new Set(["join"]);

/** Whether a check's phase timings are published. */
export function publishesPhases(component: CheckComponent, check: CheckName): boolean {
  return CHECK_NAME[component] === check || DEEP_CHECKS_WITH_PHASES.has(check as DeepCheckName);
}

export const CHECK_COMPONENTS: readonly CheckComponent[] = ["backend", "livekit", "garage"];

/** Black-box check metrics: dimensions Component, Check, Vantage. */
export const CheckMetrics = {
  Up: spec({
    name: "Up",
    unit: "None",
    dimensions: CHECK_DIMENSIONS,
    description: "1 when the check passed (up or degraded), 0 otherwise. Published every cycle.",
  }),
  Latency: spec({
    name: "Latency",
    unit: "Milliseconds",
    dimensions: CHECK_DIMENSIONS,
    description: "Total duration of the last attempt, from DNS lookup to the end of the body.",
  }),
  DnsTime: spec({
    name: "DnsTime",
    unit: "Milliseconds",
    dimensions: CHECK_DIMENSIONS,
    description: "DNS lookup duration of the last attempt.",
  }),
  ConnectTime: spec({
    name: "ConnectTime",
    unit: "Milliseconds",
    dimensions: CHECK_DIMENSIONS,
    description: "TCP handshake duration of the last attempt.",
  }),
  TlsTime: spec({
    name: "TlsTime",
    unit: "Milliseconds",
    dimensions: CHECK_DIMENSIONS,
    description: "TLS handshake duration of the last attempt (https only).",
  }),
  Ttfb: spec({
    name: "Ttfb",
    unit: "Milliseconds",
    dimensions: CHECK_DIMENSIONS,
    description: "Time from the request being sent on a ready connection to the first byte of the response.",
  }),
  CertDaysLeft: spec({
    name: "CertDaysLeft",
    unit: "None",
    dimensions: CHECK_DIMENSIONS,
    description: "Days until the served certificate expires (https only; negative once expired).",
  }),
  Degraded: spec({
    name: "Degraded",
    unit: "None",
    dimensions: CHECK_DIMENSIONS,
    component: "garage",
    description: "1 when Garage answers 200 but not 'fully operational' (some storage nodes down).",
  }),
} as const;

/** What the deep checks measure besides `Up` and `Latency` (docs/deep-checks.md). */
export const DeepCheckMetrics = {
  SignalPingRtt: spec({
    name: "SignalPingRtt",
    unit: "Milliseconds",
    dimensions: CHECK_DIMENSIONS,
    component: "livekit",
    description:
      "Round trip of one signal ping (ping_req to pong_resp) on the join's WebSocket, once joined (Check=join).",
  }),
  TurnRelayUp: spec({
    name: "TurnRelayUp",
    unit: "None",
    dimensions: FIGURE_DIMENSIONS,
    component: "livekit",
    description:
      "1 when at least one TURN transport listed by the join allocated a relay this cycle, 0 when every listed transport failed. Not published when no TURN transport was checked (the join failed or listed none).",
  }),
} as const;

/**
 * The phase timings: published only by the checks of publishesPhases, and with metrics.detail
 * `full` (otherwise they stay in the log lines).
 */
export const PHASE_METRICS: readonly MetricSpec[] = [
  CheckMetrics.DnsTime,
  CheckMetrics.ConnectTime,
  CheckMetrics.TlsTime,
  CheckMetrics.Ttfb,
];

/** Published once per completed cycle; its absence means the monitor itself is broken. */
export const MonitorMetrics = {
  MonitorHeartbeat: spec({
    name: "MonitorHeartbeat",
    unit: "Count",
    dimensions: MONITOR_DIMENSIONS,
    description: "1 per completed probe cycle.",
  }),
} as const;

/** White-box figures: dimensions Component, Vantage. */
export const FigureMetrics = {
  Rooms: spec({
    name: "Rooms",
    unit: "Count",
    dimensions: FIGURE_DIMENSIONS,
    component: "livekit",
    description: "Active rooms, summed over LiveKit nodes (livekit_room_total).",
  }),
  Participants: spec({
    name: "Participants",
    unit: "Count",
    dimensions: FIGURE_DIMENSIONS,
    component: "livekit",
    description: "Participants, summed over LiveKit nodes (livekit_participant_total).",
  }),
  PublishedTracks: spec({
    name: "PublishedTracks",
    unit: "Count",
    dimensions: FIGURE_DIMENSIONS,
    component: "livekit",
    description: "Published tracks, summed over nodes and kinds (livekit_track_published_total).",
  }),
  SubscribedTracks: spec({
    name: "SubscribedTracks",
    unit: "Count",
    dimensions: FIGURE_DIMENSIONS,
    component: "livekit",
    description: "Subscribed tracks, summed over nodes and kinds (livekit_track_subscribed_total).",
  }),
  PacketLoss: spec({
    name: "PacketLoss",
    unit: "Percent",
    dimensions: FIGURE_DIMENSIONS,
    component: "livekit",
    description: "Incoming packets lost over incoming initial packets in the interval, all nodes.",
  }),
  NackRate: spec({
    name: "NackRate",
    unit: "Count/Second",
    dimensions: FIGURE_DIMENSIONS,
    component: "livekit",
    description: "NACKs per second, all directions and nodes (livekit_nack_total).",
  }),
  BytesIn: spec({
    name: "BytesIn",
    unit: "Bytes/Second",
    dimensions: FIGURE_DIMENSIONS,
    component: "livekit",
    description: "Incoming media bytes per second (livekit_packet_bytes{direction=incoming}).",
  }),
  BytesOut: spec({
    name: "BytesOut",
    unit: "Bytes/Second",
    dimensions: FIGURE_DIMENSIONS,
    component: "livekit",
    description: "Outgoing media bytes per second (livekit_packet_bytes{direction=outgoing}).",
  }),
  WebhookFailures: spec({
    name: "WebhookFailures",
    unit: "Count",
    dimensions: FIGURE_DIMENSIONS,
    component: "recording",
    description:
      "Failed LiveKit webhook dispatches in the interval (livekit_webhook_dispatch_total{status=failure}).",
  }),
  DiskFreePercent: spec({
    name: "DiskFreePercent",
    unit: "Percent",
    dimensions: FIGURE_DIMENSIONS,
    component: "garage",
    description: "Free space of the data volume on the fullest Garage node.",
  }),
  S3ErrorRate: spec({
    name: "S3ErrorRate",
    unit: "Percent",
    dimensions: FIGURE_DIMENSIONS,
    component: "garage",
    description: "Percent of Garage S3 requests answered with a 5xx status in the interval.",
  }),
  ClusterHealthy: spec({
    name: "ClusterHealthy",
    unit: "None",
    dimensions: FIGURE_DIMENSIONS,
    component: "garage",
    description: "Garage's own cluster_healthy gauge (1 healthy, 0 not), lowest over scraped nodes.",
  }),
  ErrorRate: spec({
    name: "ErrorRate",
    unit: "Percent",
    dimensions: FIGURE_DIMENSIONS,
    component: "backend",
    description: "Percent of backend responses that were 5xx in the interval.",
  }),
  RequestRate: spec({
    name: "RequestRate",
    unit: "Count/Second",
    dimensions: FIGURE_DIMENSIONS,
    component: "backend",
    description: "Backend responses per second in the interval.",
  }),
  ConnectionsPercent: spec({
    name: "ConnectionsPercent",
    unit: "Percent",
    dimensions: FIGURE_DIMENSIONS,
    component: "database",
    description: "PostgreSQL connections over max_connections.",
  }),
  // The guide's other layers: response time, Redis, database, hosts, buckets, recording workers.
  ...LayerFigureMetrics,
} as const;

/** The state of the white-box sources themselves: dimensions Component, Vantage. */
export const SourceMetrics = {
  SourceUp: spec({
    name: "SourceUp",
    unit: "None",
    dimensions: FIGURE_DIMENSIONS,
    description:
      "1 when every configured white-box source of the component was read this cycle, 0 otherwise. Published every cycle for each component with a source.",
  }),
} as const;

export type CheckMetricName = keyof typeof CheckMetrics;
/** Measurements a check may add to its result, published under the check's dimensions. */
export type CheckMeasurementName = "SignalPingRtt";
export type FigureMetricName = keyof typeof FigureMetrics;

export const ALL_METRICS: readonly MetricSpec[] = [
  ...Object.values(CheckMetrics),
  ...Object.values(DeepCheckMetrics),
  ...Object.values(MonitorMetrics),
  ...Object.values(FigureMetrics),
  ...Object.values(SourceMetrics),
];
