/**
 * Stand-ins for the white-box sources, built from the real metric names and labels (LiveKit's
 * pkg/telemetry/prometheus, Garage's admin /metrics in both spellings, ingress-nginx's socket
 * collector), written the way their Prometheus clients write them.
 */
import { fileURLToPath } from "node:url";

/** Real pages captured from the real programs (copied from shared/reference/samples). */
export const SAMPLES_DIR = fileURLToPath(new URL("../test/fixtures/prometheus", import.meta.url));

export interface LivekitNode {
  readonly nodeId: string;
  readonly rooms: number;
  readonly participants: number;
  readonly published: { readonly audio: number; readonly video: number };
  readonly subscribed: { readonly audio: number; readonly video: number };
  readonly packetsIn: { readonly initial: number; readonly retransmit: number };
  readonly packetsOut: { readonly initial: number; readonly retransmit: number };
  readonly bytesIn: { readonly initial: number; readonly retransmit: number };
  readonly bytesOut: { readonly initial: number; readonly retransmit: number };
  readonly nacks: { readonly incoming: number; readonly outgoing: number };
  /** Lost packets by direction and track type. */
  readonly lossIn: { readonly audio: number; readonly video: number };
  readonly lossOut: number;
  readonly webhooks: { readonly success: number; readonly failure: number };
}

export function livekitNode(nodeId: string, overrides: Partial<LivekitNode> = {}): LivekitNode {
  return {
    nodeId,
    rooms: 0,
    participants: 0,
    published: { audio: 0, video: 0 },
    subscribed: { audio: 0, video: 0 },
    packetsIn: { initial: 0, retransmit: 0 },
    packetsOut: { initial: 0, retransmit: 0 },
    bytesIn: { initial: 0, retransmit: 0 },
    bytesOut: { initial: 0, retransmit: 0 },
    nacks: { incoming: 0, outgoing: 0 },
    lossIn: { audio: 0, video: 0 },
    lossOut: 0,
    webhooks: { success: 0, failure: 0 },
    ...overrides,
  };
}

/** A LiveKit node's page as client_golang writes it: labels sorted, every series with node_id. */
export function livekitPage(node: LivekitNode): string {
  const base = `node_id="${node.nodeId}",node_type="SERVER"`;
  const lines: string[] = [];
  const family = (name: string, type: string, help: string, samples: string[]): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples);
  };
  family("go_goroutines", "gauge", "Number of goroutines that currently exist.", ["go_goroutines 812"]);
  family("livekit_connection_total", "gauge", "", [`livekit_connection_total{kind="signal",${base}} 3`]);
  family("livekit_nack_total", "counter", "", [
    `livekit_nack_total{direction="incoming",${base}} ${node.nacks.incoming}`,
    `livekit_nack_total{direction="outgoing",${base}} ${node.nacks.outgoing}`,
  ]);
  family("livekit_packet_bytes", "counter", "", [
    `livekit_packet_bytes{direction="incoming",${base},transmission="initial"} ${node.bytesIn.initial}`,
    `livekit_packet_bytes{direction="incoming",${base},transmission="retransmit"} ${node.bytesIn.retransmit}`,
    `livekit_packet_bytes{direction="outgoing",${base},transmission="initial"} ${node.bytesOut.initial}`,
    `livekit_packet_bytes{direction="outgoing",${base},transmission="retransmit"} ${node.bytesOut.retransmit}`,
  ]);
  family("livekit_packet_loss_percent", "histogram", "", [
    `livekit_packet_loss_percent_bucket{direction="incoming",${base},source="MICROPHONE",type="AUDIO",le="0"} 10`,
    `livekit_packet_loss_percent_bucket{direction="incoming",${base},source="MICROPHONE",type="AUDIO",le="1"} 12`,
    `livekit_packet_loss_percent_bucket{direction="incoming",${base},source="MICROPHONE",type="AUDIO",le="+Inf"} 13`,
    `livekit_packet_loss_percent_sum{direction="incoming",${base},source="MICROPHONE",type="AUDIO"} 9.5`,
    `livekit_packet_loss_percent_count{direction="incoming",${base},source="MICROPHONE",type="AUDIO"} 13`,
  ]);
  family("livekit_packet_loss_total", "counter", "", [
    `livekit_packet_loss_total{direction="incoming",${base},source="MICROPHONE",type="AUDIO"} ${node.lossIn.audio}`,
    `livekit_packet_loss_total{direction="incoming",${base},source="CAMERA",type="VIDEO"} ${node.lossIn.video}`,
    `livekit_packet_loss_total{direction="outgoing",${base},source="CAMERA",type="VIDEO"} ${node.lossOut}`,
  ]);
  family("livekit_packet_total", "counter", "", [
    `livekit_packet_total{direction="incoming",${base},transmission="initial"} ${node.packetsIn.initial}`,
    `livekit_packet_total{direction="incoming",${base},transmission="retransmit"} ${node.packetsIn.retransmit}`,
    `livekit_packet_total{direction="outgoing",${base},transmission="initial"} ${node.packetsOut.initial}`,
    `livekit_packet_total{direction="outgoing",${base},transmission="retransmit"} ${node.packetsOut.retransmit}`,
  ]);
  family("livekit_participant_total", "gauge", "", [
    `livekit_participant_total{${base}} ${node.participants}`,
  ]);
  family("livekit_room_total", "gauge", "", [`livekit_room_total{${base}} ${node.rooms}`]);
  family("livekit_room_duration_seconds", "histogram", "", [
    `livekit_room_duration_seconds_bucket{${base},le="5"} 0`,
    `livekit_room_duration_seconds_bucket{${base},le="+Inf"} 4`,
    `livekit_room_duration_seconds_sum{${base}} 7200`,
    `livekit_room_duration_seconds_count{${base}} 4`,
  ]);
  family("livekit_track_published_total", "gauge", "", [
    `livekit_track_published_total{kind="audio",${base}} ${node.published.audio}`,
    `livekit_track_published_total{kind="video",${base}} ${node.published.video}`,
  ]);
  family("livekit_track_subscribed_total", "gauge", "", [
    `livekit_track_subscribed_total{kind="audio",${base}} ${node.subscribed.audio}`,
    `livekit_track_subscribed_total{kind="video",${base}} ${node.subscribed.video}`,
  ]);
  family("livekit_webhook_dispatch_total", "counter", "Webhook dispatches by status.", [
    `livekit_webhook_dispatch_total{${base},reason="",status="success"} ${node.webhooks.success}`,
    ...(node.webhooks.failure > 0
      ? [
          `livekit_webhook_dispatch_total{${base},reason="http status 500",status="failure"} ${node.webhooks.failure}`,
        ]
      : []),
  ]);
  family("livekit_webhook_queue_length", "gauge", "", [`livekit_webhook_queue_length{${base}} 0`]);
  family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", [
    "process_cpu_seconds_total 1234.5",
  ]);
  return `${lines.join("\n")}\n`;
}

export interface GarageNode {
  /** Newer builds prefix every metric with garage_. */
  readonly prefixed: boolean;
  readonly dataAvail: number;
  readonly dataTotal: number;
  readonly metaAvail: number;
  readonly metaTotal: number;
  readonly healthy: number;
  /** api_s3_request_counter by api_endpoint. */
  readonly requests: Readonly<Record<string, number>>;
  /** api_s3_error_counter by `endpoint status_code`. */
  readonly errors: Readonly<Record<string, number>>;
}

export function garagePage(node: GarageNode): string {
  const p = (name: string): string => (node.prefixed ? `garage_${name}` : name);
  // Disk metrics carry the garage_ prefix even in older builds; the stand-in prefixes them
  // only when `prefixed`, so both spellings of every name are exercised.
  const lines = [
    `# HELP ${p("cluster_healthy")} Whether all storage nodes are connected`,
    `# TYPE ${p("cluster_healthy")} gauge`,
    `${p("cluster_healthy")} ${node.healthy}`,
    `# HELP ${p("cluster_available")} Whether all requests can be served`,
    `# TYPE ${p("cluster_available")} gauge`,
    `${p("cluster_available")} 1`,
    `# HELP ${p("local_disk_avail")} Garage available disk space on each node`,
    `# TYPE ${p("local_disk_avail")} gauge`,
    `${p("local_disk_avail")}{volume="data"} ${node.dataAvail}`,
    `${p("local_disk_avail")}{volume="metadata"} ${node.metaAvail}`,
    `# HELP ${p("local_disk_total")} Garage total disk space on each node`,
    `# TYPE ${p("local_disk_total")} gauge`,
    `${p("local_disk_total")}{volume="data"} ${node.dataTotal}`,
    `${p("local_disk_total")}{volume="metadata"} ${node.metaTotal}`,
    `# HELP ${p("api_s3_request_counter")} Number of API calls to the various S3 API endpoints`,
    `# TYPE ${p("api_s3_request_counter")} counter`,
    ...Object.entries(node.requests).map(
      ([endpoint, count]) => `${p("api_s3_request_counter")}{api_endpoint="${endpoint}"} ${count}`,
    ),
    `# HELP ${p("api_s3_error_counter")} Number of API calls to the various S3 API endpoints that resulted in errors`,
    `# TYPE ${p("api_s3_error_counter")} counter`,
    ...Object.entries(node.errors).map(([key, count]) => {
      const [endpoint, status] = key.split(" ");
      return `${p("api_s3_error_counter")}{api_endpoint="${endpoint}",status_code="${status}"} ${count}`;
    }),
    `# HELP ${p("api_s3_request_duration")} Duration of API calls to the various S3 API endpoints`,
    `# TYPE ${p("api_s3_request_duration")} histogram`,
    `${p("api_s3_request_duration")}_bucket{api_endpoint="GetObject",le="0.5"} 3`,
    `${p("api_s3_request_duration")}_bucket{api_endpoint="GetObject",le="+Inf"} 4`,
    `${p("api_s3_request_duration")}_sum{api_endpoint="GetObject"} 1.25`,
    `${p("api_s3_request_duration")}_count{api_endpoint="GetObject"} 4`,
  ];
  return `${lines.join("\n")}\n`;
}

export interface IngressCounts {
  /** Requests of the meet-backend Ingress in namespace meet, by status. */
  readonly backend: Readonly<Record<string, number>>;
  /** Requests of another Ingress (the frontend), by status: must never be counted. */
  readonly frontend: Readonly<Record<string, number>>;
  /** Requests of an Ingress named meet-backend in another namespace: must never be counted. */
  readonly otherNamespace?: Readonly<Record<string, number>>;
  /**
   * Cumulative request_duration_seconds buckets (le, count) of the backend's status-200 requests
   * and of the frontend's (which must never count); +Inf is added with the last count unless given.
   */
  readonly durations?: {
    readonly backend?: readonly (readonly [string, number])[];
    readonly frontend?: readonly (readonly [string, number])[];
  };
}

/** An ingress-nginx controller's page (the label set of its socket collector). */
export function ingressNginxPage(
  counts: IngressCounts,
  pod = "ingress-nginx-controller-7d9f8-abcde",
): string {
  const series = (
    namespace: string,
    ingress: string,
    service: string,
    path: string,
    byStatus: Readonly<Record<string, number>>,
  ): string[] =>
    Object.entries(byStatus).map(
      ([status, count]) =>
        `nginx_ingress_controller_requests{canary="",controller_class="k8s.io/ingress-nginx",controller_namespace="ingress-nginx",controller_pod="${pod}",host="meet.example.org",ingress="${ingress}",method="GET",namespace="${namespace}",path="${path}",service="${service}",status="${status}"} ${count}`,
    );
  return `${[
    "# HELP nginx_ingress_controller_config_hash Running configuration hash actually running",
    "# TYPE nginx_ingress_controller_config_hash gauge",
    `nginx_ingress_controller_config_hash{controller_class="k8s.io/ingress-nginx",controller_namespace="ingress-nginx",controller_pod="${pod}"} 1.4528765e+19`,
    "# HELP nginx_ingress_controller_request_duration_seconds The request processing time in milliseconds",
    "# TYPE nginx_ingress_controller_request_duration_seconds histogram",
    ...durationSeries(pod, "meet-backend", "/api", counts.durations?.backend ?? []),
    ...durationSeries(pod, "meet-frontend", "/", counts.durations?.frontend ?? []),
    "# HELP nginx_ingress_controller_requests The total number of client requests",
    "# TYPE nginx_ingress_controller_requests counter",
    ...series("meet", "meet-backend", "meet-backend", "/api", counts.backend),
    ...series("meet", "meet-frontend", "meet-frontend", "/", counts.frontend),
    ...series("other", "meet-backend", "meet-backend", "/api", counts.otherNamespace ?? {}),
  ].join("\n")}\n`;
}

/** One request_duration_seconds histogram of an Ingress (status 200, GET), +Inf from the last count. */
function durationSeries(
  pod: string,
  ingress: string,
  path: string,
  buckets: readonly (readonly [string, number])[],
): string[] {
  const labels = `canary="",controller_class="k8s.io/ingress-nginx",controller_namespace="ingress-nginx",controller_pod="${pod}",host="meet.example.org",ingress="${ingress}",method="GET",namespace="meet",path="${path}",service="${ingress}",status="200"`;
  const total = buckets.at(-1)?.[1] ?? 10;
  const withInf: (readonly [string, number])[] =
    buckets.at(-1)?.[0] === "+Inf" ? [...buckets] : [...buckets, ["+Inf", total]];
  return [
    ...withInf.map(
      ([le, count]) =>
        `nginx_ingress_controller_request_duration_seconds_bucket{${labels},le="${le}"} ${count}`,
    ),
    `nginx_ingress_controller_request_duration_seconds_sum{${labels}} ${total * 0.05}`,
    `nginx_ingress_controller_request_duration_seconds_count{${labels}} ${total}`,
  ];
}

/** A django-prometheus page with the responses-by-status counter at the given counts. */
export function djangoPage(byStatus: Readonly<Record<string, number>>): string {
  return `${[
    "# HELP django_http_responses_total_by_status_total Count of responses by status.",
    "# TYPE django_http_responses_total_by_status_total counter",
    ...Object.entries(byStatus).map(
      ([status, count]) => `django_http_responses_total_by_status_total{status="${status}"} ${count}.0`,
    ),
    "# HELP django_http_responses_total_by_status_created Count of responses by status.",
    "# TYPE django_http_responses_total_by_status_created gauge",
    ...Object.keys(byStatus).map(
      (status) => `django_http_responses_total_by_status_created{status="${status}"} 1.7957159104089296e+09`,
    ),
  ].join("\n")}\n`;
}
