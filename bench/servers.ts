/**
 * The loopback servers the benchmarks probe. They run in a child process of their own
 * (bench/target-process.ts) so that serving never shares an event loop with the prober being
 * measured; the soak test also starts them in-process.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { type RunningServer, serve } from "../support/servers.ts";

/** A bench server: the support module's loopback server (connections and open sockets counted). */
export type BenchServer = RunningServer;

export interface TlsPem {
  readonly cert: string;
  readonly key: string;
}

let garageScrapes = 0;

/**
 * Garage's admin /metrics (newer builds' `garage_` spelling), with counters that grow from one
 * scrape to the next like a live cluster's, so rates are published from the second cycle on.
 */
export function garageMetricsPage(): string {
  garageScrapes++;
  const requests = 1000 + 120 * garageScrapes;
  const errors = 2 + garageScrapes;
  return `${[
    "# HELP garage_cluster_healthy Whether all storage nodes are connected",
    "# TYPE garage_cluster_healthy gauge",
    "garage_cluster_healthy 1",
    "# HELP garage_cluster_available Whether all requests can be served",
    "# TYPE garage_cluster_available gauge",
    "garage_cluster_available 1",
    "# HELP garage_local_disk_avail Garage available disk space on each node",
    "# TYPE garage_local_disk_avail gauge",
    'garage_local_disk_avail{volume="data"} 412316860416',
    'garage_local_disk_avail{volume="metadata"} 41231686041',
    "# HELP garage_local_disk_total Garage total disk space on each node",
    "# TYPE garage_local_disk_total gauge",
    'garage_local_disk_total{volume="data"} 1099511627776',
    'garage_local_disk_total{volume="metadata"} 107374182400',
    "# HELP garage_api_s3_request_counter Number of API calls to the various S3 API endpoints",
    "# TYPE garage_api_s3_request_counter counter",
    `garage_api_s3_request_counter{api_endpoint="GetObject"} ${requests}`,
    `garage_api_s3_request_counter{api_endpoint="PutObject"} ${Math.round(requests / 4)}`,
    "# HELP garage_api_s3_error_counter Number of API calls to the various S3 API endpoints that resulted in errors",
    "# TYPE garage_api_s3_error_counter counter",
    `garage_api_s3_error_counter{api_endpoint="GetObject",status_code="503"} ${errors}`,
  ].join("\n")}\n`;
}

/** What the three Meet components answer when healthy, by path. */
export function healthyAnswer(path: string): { status: number; type: string; body: string } {
  if (path.startsWith("/metrics")) {
    return { status: 200, type: "text/plain; version=0.0.4", body: garageMetricsPage() };
  }
  if (path.startsWith("/__heartbeat__")) {
    return { status: 200, type: "application/json", body: '{"status": "ok", "checks": {}, "details": {}}' };
  }
  if (path.startsWith("/health"))
    return { status: 200, type: "text/plain", body: "Garage is fully operational" };
  return { status: 200, type: "text/plain", body: "OK" };
}

function answer(response: ServerResponse, path: string): void {
  const { status, type, body } = healthyAnswer(path);
  response.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
  response.end(body);
}

/**
 * A healthy Meet component that answers every path after `delayMs` (the backend heartbeat JSON on
 * /__heartbeat__, Garage's text on /health, LiveKit's "OK" elsewhere).
 */
export function startHealthyServer(delayMs: number, tls?: TlsPem): Promise<BenchServer> {
  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    const path = request.url ?? "/";
    if (delayMs <= 0) answer(response, path);
    else setTimeout(() => answer(response, path), delayMs);
  };
  const server = tls
    ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler)
    : createHttpServer(handler);
  return serve(server, { backlog: 1024 });
}

/** The server side's view of one exchange with the truth server. */
export interface TruthRecord {
  /** The last path segment of the request, e.g. `o-17` for /slow/o-17. */
  readonly id: string;
  /** From the parsed request to the moment the response (headers and body) is written. */
  readonly waitMs: number;
  /** From the TCP connection accepted to the moment the response is written. */
  readonly totalMs: number;
}

/**
 * A server that waits a known `delayMs` before its headers and measures, on its own clock, how
 * long it really waited (timers fire a little late) and how long the whole connection lasted.
 */
export async function startTruthServer(
  delayMs: number,
): Promise<{ server: BenchServer; records: () => TruthRecord[] }> {
  const records: TruthRecord[] = [];
  const acceptedAt = new WeakMap<Socket, number>();
  const server = createHttpServer((request, response) => {
    const received = performance.now();
    const socket = request.socket;
    const id = (request.url ?? "/").split("/").pop() ?? "";
    setTimeout(() => {
      // Timestamped just before the response is written: a pause of this process after the write
      // (the machine may be busy) must not count as waiting.
      const sent = performance.now();
      const body = "OK";
      response.writeHead(200, { "content-type": "text/plain", "content-length": Buffer.byteLength(body) });
      response.end(body);
      const start = acceptedAt.get(socket) ?? received;
      records.push({ id, waitMs: sent - received, totalMs: sent - start });
    }, delayMs);
  });
  const running = await serve(server, {
    backlog: 1024,
    onSocket: (socket) => acceptedAt.set(socket, performance.now()),
  });
  return { server: running, records: () => records };
}

export type FlapMode = "healthy" | "slow" | "hung" | "reset";
export const FLAP_MODES: readonly FlapMode[] = ["healthy", "slow", "hung", "reset"];

export interface FlapOptions {
  readonly seed: number;
  /** Relative weight of each mode. */
  readonly weights: Readonly<Record<FlapMode, number>>;
  /** A slow answer comes after a delay drawn uniformly from this range (ms). */
  readonly slowMs: readonly [number, number];
}

export interface FlappingServer extends BenchServer {
  /** The mode of every request received, in order. */
  readonly modes: FlapMode[];
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pickMode(random: () => number, weights: Readonly<Record<FlapMode, number>>): FlapMode {
  const total = FLAP_MODES.reduce((sum, mode) => sum + weights[mode], 0);
  let draw = random() * total;
  for (const mode of FLAP_MODES) {
    draw -= weights[mode];
    if (draw < 0) return mode;
  }
  return "healthy";
}

/**
 * A Meet component that flaps request by request between healthy (answers at once), slow
 * (answers after a delay within the probe's timeout), hung (accepts the request and never
 * answers) and resetting (answers the request with a TCP RST).
 */
export async function startFlappingServer(options: FlapOptions): Promise<FlappingServer> {
  const random = seededRandom(options.seed);
  const modes: FlapMode[] = [];
  const server = createHttpServer((request, response) => {
    const mode = pickMode(random, options.weights);
    modes.push(mode);
    const path = request.url ?? "/";
    switch (mode) {
      case "healthy":
        answer(response, path);
        return;
      case "slow": {
        const [low, high] = options.slowMs;
        setTimeout(() => answer(response, path), low + random() * (high - low));
        return;
      }
      case "hung":
        // Never answers; the prober's deadline closes the connection.
        return;
      case "reset":
        request.socket.resetAndDestroy();
        return;
    }
  });
  const running = await serve(server, { backlog: 1024 });
  return { ...running, modes };
}
