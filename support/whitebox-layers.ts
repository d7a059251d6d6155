/**
 * Stand-ins for the sources of the guide's other layers, answering exactly as the real programs
 * do (names, labels, JSON fields and errors read from their source): redis_exporter, node_exporter,
 * LiveKit egress (Prometheus page and health endpoint), Garage's admin API GetBucketInfo. Real
 * redis-server, redis_exporter and node_exporter are in ./redis.ts and ./node-exporter.ts.
 */

export interface RedisState {
  readonly up: boolean;
  readonly usedBytes: number;
  /** 0: no maxmemory. */
  readonly maxBytes: number;
  readonly clients: number;
  readonly hits: number;
  readonly misses: number;
  readonly rejected: number;
  readonly evicted: number;
}

/** redis_exporter 1.45's page for these values (the lines the probe reads, and a few others). */
export function redisExporterPage(state: RedisState): string {
  const gauge = (name: string, value: number, type = "gauge"): string[] => [
    `# HELP ${name} ${name.replace(/^redis_/, "")} metric`,
    `# TYPE ${name} ${type}`,
    `${name} ${value}`,
  ];
  const lines = [
    "# HELP redis_exporter_last_scrape_error The last scrape error status.",
    "# TYPE redis_exporter_last_scrape_error gauge",
    `redis_exporter_last_scrape_error{err=""} ${state.up ? 0 : 1}`,
    "# HELP redis_up Information about the Redis instance",
    "# TYPE redis_up gauge",
    `redis_up ${state.up ? 1 : 0}`,
  ];
  if (state.up) {
    lines.push(
      ...gauge("redis_config_maxmemory", state.maxBytes),
      ...gauge("redis_connected_clients", state.clients),
      ...gauge("redis_evicted_keys_total", state.evicted, "counter"),
      ...gauge("redis_keyspace_hits_total", state.hits, "counter"),
      ...gauge("redis_keyspace_misses_total", state.misses, "counter"),
      ...gauge("redis_memory_max_bytes", state.maxBytes),
      ...gauge("redis_memory_used_bytes", state.usedBytes),
      ...gauge("redis_rejected_connections_total", state.rejected, "counter"),
    );
  }
  return `${lines.join("\n")}\n`;
}

export interface HostState {
  /** Seconds per CPU mode, summed over the CPUs (split evenly over `cpus`). */
  readonly cpu: Readonly<Record<"user" | "system" | "idle" | "iowait" | "steal", number>>;
  readonly cpus: number;
  readonly memAvailable: number;
  readonly memTotal: number;
  /** By mountpoint: fstype, available and total bytes, read-only. */
  readonly filesystems: readonly {
    readonly mountpoint: string;
    readonly fstype: string;
    readonly avail: number;
    readonly size: number;
    readonly readonly?: boolean;
  }[];
  /** Seconds spent doing I/O, by device. */
  readonly diskIo: Readonly<Record<string, number>>;
  /** Bytes received and sent, by interface. */
  readonly network: Readonly<Record<string, { readonly rx: number; readonly tx: number }>>;
}

/** node_exporter 1.5's page for these values. */
export function nodeExporterPage(state: HostState): string {
  const lines = [
    "# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.",
    "# TYPE node_cpu_seconds_total counter",
  ];
  for (let cpu = 0; cpu < state.cpus; cpu++) {
    for (const mode of ["idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"] as const) {
      const total = mode in state.cpu ? state.cpu[mode as keyof HostState["cpu"]] : 0;
      lines.push(`node_cpu_seconds_total{cpu="${cpu}",mode="${mode}"} ${total / state.cpus}`);
    }
  }
  const filesystem = (
    name: string,
    help: string,
    value: (fs: HostState["filesystems"][number]) => number,
  ) => [
    `# HELP ${name} ${help}`,
    `# TYPE ${name} gauge`,
    ...state.filesystems.map(
      (fs) =>
        `${name}{device="/dev/${fs.mountpoint === "/" ? "vda1" : fs.mountpoint.slice(1)}",fstype="${fs.fstype}",mountpoint="${fs.mountpoint}"} ${value(fs)}`,
    ),
  ];
  lines.push(
    "# HELP node_disk_io_time_seconds_total Total seconds spent doing I/Os.",
    "# TYPE node_disk_io_time_seconds_total counter",
    ...Object.entries(state.diskIo).map(
      ([device, seconds]) => `node_disk_io_time_seconds_total{device="${device}"} ${seconds}`,
    ),
    ...filesystem(
      "node_filesystem_avail_bytes",
      "Filesystem space available to non-root users in bytes.",
      (fs) => fs.avail,
    ),
    ...filesystem(
      "node_filesystem_device_error",
      "Whether an error occurred while getting statistics for the given device.",
      () => 0,
    ),
    ...filesystem("node_filesystem_readonly", "Filesystem read-only status.", (fs) => (fs.readonly ? 1 : 0)),
    ...filesystem("node_filesystem_size_bytes", "Filesystem size in bytes.", (fs) => fs.size),
    "# HELP node_memory_MemAvailable_bytes Memory information field MemAvailable_bytes.",
    "# TYPE node_memory_MemAvailable_bytes gauge",
    `node_memory_MemAvailable_bytes ${state.memAvailable}`,
    "# HELP node_memory_MemTotal_bytes Memory information field MemTotal_bytes.",
    "# TYPE node_memory_MemTotal_bytes gauge",
    `node_memory_MemTotal_bytes ${state.memTotal}`,
    "# HELP node_network_receive_bytes_total Network device statistic receive_bytes.",
    "# TYPE node_network_receive_bytes_total counter",
    ...Object.entries(state.network).map(
      ([device, io]) => `node_network_receive_bytes_total{device="${device}"} ${io.rx}`,
    ),
    "# HELP node_network_transmit_bytes_total Network device statistic transmit_bytes.",
    "# TYPE node_network_transmit_bytes_total counter",
    ...Object.entries(state.network).map(
      ([device, io]) => `node_network_transmit_bytes_total{device="${device}"} ${io.tx}`,
    ),
  );
  return `${lines.join("\n")}\n`;
}

export interface EgressWorker {
  readonly nodeId: string;
  /** livekit_egress_can_accept_request: it could take a room composite now. */
  readonly canAccept: boolean;
  /** Recordings in progress, by request type (room_composite, web, participant, track_composite, track). */
  readonly requests: Readonly<Record<string, number>>;
  /** livekit_egress_handler_results_total by `type result`; absent before any handler ended. */
  readonly results: Readonly<Record<string, number>>;
  /** CPUs free, as the health endpoint reports it (its `CpuLoad`). */
  readonly cpuFree: number;
}

/** An egress worker's Prometheus page (pkg/stats/monitor_prom.go): client_golang's text format. */
export function egressPage(worker: EgressWorker): string {
  const base = `cluster_id="",node_id="${worker.nodeId}"`;
  const idle = Object.values(worker.requests).every((count) => count === 0);
  const lines = [
    "# HELP livekit_egress_available ",
    "# TYPE livekit_egress_available gauge",
    `livekit_egress_available{${base}} ${worker.canAccept && idle ? 1 : 0}`,
    "# HELP livekit_egress_can_accept_request ",
    "# TYPE livekit_egress_can_accept_request gauge",
    `livekit_egress_can_accept_request{${base}} ${worker.canAccept ? 1 : 0}`,
  ];
  const results = Object.entries(worker.results);
  if (results.length > 0) {
    lines.push(
      "# HELP livekit_egress_handler_results_total Total number of egress handler outcomes, by result",
      "# TYPE livekit_egress_handler_results_total counter",
      ...results.map(([key, count]) => {
        const [type, result] = key.split(" ");
        return `livekit_egress_handler_results_total{${base},result="${result}",type="${type}"} ${count}`;
      }),
    );
  }
  lines.push(
    "# HELP livekit_egress_is_disabled ",
    "# TYPE livekit_egress_is_disabled gauge",
    `livekit_egress_is_disabled{${base}} 0`,
    "# HELP livekit_egress_requests ",
    "# TYPE livekit_egress_requests gauge",
    ...Object.entries(worker.requests).map(
      ([type, count]) => `livekit_egress_requests{${base},type="${type}"} ${count}`,
    ),
    "# HELP livekit_node_cpu_load ",
    "# TYPE livekit_node_cpu_load gauge",
    `livekit_node_cpu_load{${base},node_type="EGRESS"} 0.12`,
  );
  return `${lines.join("\n")}\n`;
}

/** The health endpoint's answer (cmd/server/http.go): CpuLoad, then one key per active egress. */
export function egressHealth(worker: EgressWorker): string {
  const status: Record<string, unknown> = { CpuLoad: worker.cpuFree };
  const active = Object.values(worker.requests).reduce((sum, count) => sum + count, 0);
  for (let index = 0; index < active; index++) {
    status[`EG_${worker.nodeId}_${index}`] = {
      RoomComposite: { room_name: `room-${index}`, audio_only: true },
    };
  }
  return JSON.stringify(status);
}

export interface GarageBucket {
  readonly alias: string;
  readonly bytes: number;
  readonly objects: number;
  readonly unfinishedMultipartUploads: number;
}

/** GetBucketInfo's answer (v2 src/api/admin/api.rs GetBucketInfoResponse; v1 has no `created`). */
export function bucketInfo(bucket: GarageBucket, api: "v1" | "v2" = "v2"): string {
  return JSON.stringify({
    id: "7a3c5e0b1f2d4c6e8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f",
    ...(api === "v2" ? { created: "2026-01-12T09:30:00.000Z" } : {}),
    globalAliases: [bucket.alias],
    websiteAccess: false,
    websiteConfig: null,
    keys: [
      {
        accessKeyId: "GK31c2f218a2e44f485b94239e",
        name: "meet-backend",
        permissions: { read: true, write: true, owner: false },
        bucketLocalAliases: [],
      },
    ],
    objects: bucket.objects,
    bytes: bucket.bytes,
    unfinishedUploads: bucket.unfinishedMultipartUploads,
    unfinishedMultipartUploads: bucket.unfinishedMultipartUploads,
    unfinishedMultipartUploadParts: bucket.unfinishedMultipartUploads * 3,
    unfinishedMultipartUploadBytes: bucket.unfinishedMultipartUploads * 15_728_640,
    quotas: { maxSize: null, maxObjects: null },
  });
}

/** Garage's admin API error body (CustomApiErrorBody: code, message, path, region), pretty-printed. */
export function garageAdminError(code: string, message: string, path: string): string {
  return JSON.stringify({ code, message, path, region: "garage" }, null, 2);
}

/**
 * A Garage admin API answering GetBucketInfo (v2 `/v2/GetBucketInfo` or v1 `/v1/bucket`,
 * `?globalAlias=`) with its bearer token check, as src/api/admin/api_server.rs does.
 */
export function garageAdminAnswer(
  method: string,
  rawUrl: string,
  authorization: string | undefined,
  token: string,
  buckets: readonly GarageBucket[],
  api: "v1" | "v2" = "v2",
): { status: number; body: string; type: string } {
  const url = new URL(rawUrl, "http://garage.test");
  const json = "application/json";
  if (url.pathname === "/health")
    return { status: 200, body: "Garage is fully operational", type: "text/plain" };
  const path = api === "v2" ? "/v2/GetBucketInfo" : "/v1/bucket";
  if (method !== "GET" || url.pathname !== path) {
    return {
      status: 400,
      body: garageAdminError("InvalidRequest", "Bad request: Unknown API endpoint", url.pathname),
      type: json,
    };
  }
  if (authorization === undefined) {
    return {
      status: 403,
      body: garageAdminError(
        "AccessDenied",
        "Forbidden: Bearer token must be provided in Authorization header",
        path,
      ),
      type: json,
    };
  }
  if (authorization !== `Bearer ${token}`) {
    return {
      status: 403,
      body: garageAdminError("AccessDenied", "Forbidden: Invalid bearer token", path),
      type: json,
    };
  }
  const alias = url.searchParams.get("globalAlias");
  const bucket = buckets.find((candidate) => candidate.alias === alias);
  if (!bucket) {
    return {
      status: 404,
      body: garageAdminError("NoSuchBucket", `Bucket not found: ${alias}`, path),
      type: json,
    };
  }
  return { status: 200, body: bucketInfo(bucket, api), type: json };
}
