/**
 * The stand-ins of the guide's other layers for `npm run standins`: Redis (the real redis-server
 * and redis_exporter when installed), hosts (the real node_exporter for this machine when
 * installed, plus a simulated media host), two egress workers, and Garage's GetBucketInfo. The
 * simulated pages use the real names (support/whitebox-layers.ts) and advance with time.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { missingNodeExporter, startNodeExporter } from "../support/node-exporter.ts";
import { missingRedis, startRedis } from "../support/redis.ts";
import {
  egressPage,
  type GarageBucket,
  garageAdminAnswer,
  nodeExporterPage,
  redisExporterPage,
} from "../support/whitebox-layers.ts";

export type Handler = (request: IncomingMessage, response: ServerResponse) => void;
export type Listen = (port: number, handler: Handler, what: string) => Promise<() => Promise<void>>;

export const GARAGE_ADMIN_TOKEN = process.env.GARAGE_ADMIN_TOKEN ?? "demo-garage-admin-token";

const started = Date.now();
const seconds = (): number => (Date.now() - started) / 1000;
const count = (perSecond: number): number => Math.floor(perSecond * seconds());

const page =
  (body: () => string): Handler =>
  (_request, response) => {
    const text = body();
    response.writeHead(200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
      "content-length": Buffer.byteLength(text),
    });
    response.end(text);
  };

/** Garage's admin API: /v2/GetBucketInfo with the admin token; everything else to `fallback`. */
export function garageAdmin(fallback: Handler): Handler {
  const buckets = (): GarageBucket[] => [
    {
      alias: "meet-media-storage",
      bytes: 48_000_000_000 + count(2_000_000),
      objects: 1_800 + count(0.02),
      unfinishedMultipartUploads: 1,
    },
    { alias: "meet-backups", bytes: 3_200_000_000, objects: 42, unfinishedMultipartUploads: 0 },
  ];
  return (request, response) => {
    if (!request.url?.startsWith("/v2/")) return fallback(request, response);
    const answer = garageAdminAnswer(
      request.method ?? "GET",
      request.url,
      request.headers.authorization,
      GARAGE_ADMIN_TOKEN,
      buckets(),
    );
    response.writeHead(answer.status, { "content-type": answer.type });
    response.end(answer.body);
  };
}

/** The fixed ports of the layer stand-ins, and what each is (npm run standins checks them first). */
export const LAYER_PORTS = {
  redisExporter: 19121,
  nodeExporterLocal: 19100,
  nodeExporterMedia: 19101,
  egressA: 17889,
  egressB: 17890,
} as const;

export const LAYER_PORT_USE: Record<keyof typeof LAYER_PORTS, string> = {
  redisExporter: "redis_exporter",
  nodeExporterLocal: "node_exporter (host local)",
  nodeExporterMedia: "node_exporter (simulated, host media-1)",
  egressA: "egress worker a metrics (idle)",
  egressB: "egress worker b metrics (recording)",
};

/** Starts every layer stand-in; returns their stop functions. */
export async function startLayerStandins(listen: Listen): Promise<(() => Promise<void>)[]> {
  const stops: (() => Promise<void>)[] = [];
  if (missingRedis().length === 0) {
    const redis = await startRedis({
      maxmemory: "64mb",
      maxclients: 100,
      exporterPort: LAYER_PORTS.redisExporter,
    });
    // Some traffic: a hit rate of about 80 %.
    const timer = setInterval(() => {
      redis.pipe([
        "SET session:demo 1",
        "GET session:demo",
        "GET session:demo",
        "GET session:demo",
        "GET session:demo",
        "GET nope",
      ]);
    }, 1_000);
    console.log(`  ${"real redis_exporter (redis-server, 64 MB maxmemory)".padEnd(52)} ${redis.exporterUrl}`);
    stops.push(async () => {
      clearInterval(timer);
      await redis.stop();
    });
  } else {
    const redis = () =>
      redisExporterPage({
        up: true,
        usedBytes: 41_000_000,
        maxBytes: 64 * 1024 * 1024,
        clients: 12,
        hits: count(40),
        misses: count(10),
        rejected: 0,
        evicted: count(0.1),
      });
    stops.push(await listen(LAYER_PORTS.redisExporter, page(redis), "redis_exporter (simulated)"));
  }
  if (missingNodeExporter().length === 0) {
    const node = await startNodeExporter(LAYER_PORTS.nodeExporterLocal);
    console.log(`  ${"real node_exporter (this machine, host local)".padEnd(52)} ${node.url}`);
    stops.push(() => node.stop());
  } else {
    stops.push(
      await listen(
        LAYER_PORTS.nodeExporterLocal,
        page(() => mediaHost(0.3)),
        "node_exporter (simulated, host local)",
      ),
    );
  }
  stops.push(
    await listen(
      LAYER_PORTS.nodeExporterMedia,
      page(() => mediaHost(0.65)),
      "node_exporter (simulated, host media-1)",
    ),
  );
  const worker = (nodeId: string, busy: boolean) => () =>
    egressPage({
      nodeId,
      canAccept: !busy,
      requests: { room_composite: busy ? 2 : 0, track: 0 },
      results: busy
        ? { "room_composite completed": 10 + count(0.01), "room_composite killed_cpu": count(0.002) }
        : {},
      cpuFree: busy ? 1 : 8,
    });
  stops.push(
    await listen(LAYER_PORTS.egressA, page(worker("EG_demoA", false)), "egress worker a metrics (idle)"),
  );
  stops.push(
    await listen(LAYER_PORTS.egressB, page(worker("EG_demoB", true)), "egress worker b metrics (recording)"),
  );
  return stops;
}

/** A host whose CPUs are `busy` busy, with a disk, a physical interface and container veths. */
function mediaHost(busy: number): string {
  const t = seconds();
  return nodeExporterPage({
    cpu: {
      user: 4 * t * busy * 0.8,
      system: 4 * t * busy * 0.2,
      idle: 4 * t * (1 - busy),
      iowait: 0,
      steal: 0,
    },
    cpus: 4,
    memAvailable: 5_400_000_000,
    memTotal: 16_000_000_000,
    filesystems: [
      { mountpoint: "/", fstype: "ext4", avail: 41_000_000_000, size: 100_000_000_000 },
      { mountpoint: "/run", fstype: "tmpfs", avail: 1_000, size: 2_000_000 },
    ],
    diskIo: { vda: t * 0.12 },
    network: { eth0: { rx: count(3_000_000), tx: count(9_000_000) }, lo: { rx: count(1e6), tx: count(1e6) } },
  });
}
