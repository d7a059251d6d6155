/**
 * Local stand-ins for every target and white-box source of examples/whitebox.json, so the
 * white-box figures can be watched without a Meet deployment:
 *
 *   npm run standins                             # leave it running, then in another shell:
 *   export LIVEKIT_METRICS_PASSWORD=demo-livekit-password GARAGE_METRICS_TOKEN=demo-garage-token \
 *          GARAGE_ADMIN_TOKEN=demo-garage-admin-token PG_EXPORTER_PASSWORD=exporter-test-pass
 *   npm run probe -- --config examples/whitebox.json --watch --interval 5 --cycles 3
 *
 * The pages use the real metric names and labels (support/whitebox.ts, support/whitebox-layers.ts)
 * and their counters advance with time: LiveKit node b restarts every 12 s (its counters start
 * again from zero). The database is a real PostgreSQL primary (max_connections 100,
 * pg_stat_statements) and a streaming replica, each with Debian's postgres_exporter, when they are
 * installed, else the exporter page captured from them; Redis and this machine's node_exporter
 * are the real programs when installed too (scripts/layer-standins.ts). Everything listens on
 * 127.0.0.1 only, and everything (the real programs included) stops on Ctrl-C, SIGTERM (npm
 * stopping the script) and SIGHUP (the terminal closing). A port already taken is named, and
 * nothing is left running.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { errorMessage } from "../functions/shared/errors.ts";
import { stopOnSignals } from "../support/lifetime.ts";
import {
  EXPORTER_PASSWORD,
  EXPORTER_USER,
  findBinaries,
  hasStatStatements,
  startPostgres,
} from "../support/postgres.ts";
import { garagePage, ingressNginxPage, livekitNode, livekitPage, SAMPLES_DIR } from "../support/whitebox.ts";
import {
  GARAGE_ADMIN_TOKEN,
  garageAdmin,
  LAYER_PORT_USE,
  LAYER_PORTS,
  startLayerStandins,
} from "./layer-standins.ts";

const LIVEKIT_PASSWORD = process.env.LIVEKIT_METRICS_PASSWORD ?? "demo-livekit-password";
const GARAGE_TOKEN = process.env.GARAGE_METRICS_TOKEN ?? "demo-garage-token";
const started = Date.now();
const seconds = (): number => (Date.now() - started) / 1000;
const count = (perSecond: number, since = 0): number => Math.floor(perSecond * (seconds() - since));

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

function text(response: ServerResponse, status: number, body: string, type = "text/plain"): void {
  response.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
  response.end(body);
}

function guarded(authorization: string, page: () => string): Handler {
  return (request, response) => {
    if (request.headers.authorization !== authorization) return text(response, 401, "Unauthorized\n");
    text(response, 200, page(), "text/plain; version=0.0.4; charset=utf-8");
  };
}

const livekitAuth = `Basic ${Buffer.from(`prometheus:${LIVEKIT_PASSWORD}`).toString("base64")}`;

const livekitA = (): string =>
  livekitPage(
    livekitNode("ND_demoA", {
      rooms: 3,
      participants: 11,
      published: { audio: 9, video: 7 },
      subscribed: { audio: 40, video: 28 },
      packetsIn: { initial: count(900), retransmit: count(4) },
      packetsOut: { initial: count(3_000), retransmit: count(12) },
      bytesIn: { initial: count(400_000), retransmit: count(1_500) },
      bytesOut: { initial: count(1_200_000), retransmit: count(4_000) },
      nacks: { incoming: count(3), outgoing: count(5) },
      lossIn: { audio: count(2), video: count(7) },
      lossOut: count(4),
      webhooks: { success: count(0.5), failure: count(0.05) },
    }),
  );

/** Node b restarts every 12 s: its counters start again from zero, under the same node_id. */
const livekitB = (): string => {
  const since = Math.floor(seconds() / 12) * 12;
  return livekitPage(
    livekitNode("ND_demoB", {
      rooms: 1,
      participants: 2,
      published: { audio: 2, video: 1 },
      subscribed: { audio: 2, video: 1 },
      packetsIn: { initial: count(300, since), retransmit: 0 },
      packetsOut: { initial: count(300, since), retransmit: 0 },
      bytesIn: { initial: count(120_000, since), retransmit: 0 },
      bytesOut: { initial: count(120_000, since), retransmit: 0 },
      nacks: { incoming: count(1, since), outgoing: 0 },
      lossIn: { audio: count(1, since), video: 0 },
      lossOut: 0,
      webhooks: { success: count(0.2, since), failure: 0 },
    }),
  );
};

const garage: Handler = garageAdmin((request, response) => {
  if (request.url === "/health") return text(response, 200, "Garage is fully operational");
  if (request.url !== "/metrics") return text(response, 404, "Not found");
  guarded(`Bearer ${GARAGE_TOKEN}`, () =>
    garagePage({
      prefixed: true,
      dataAvail: 180_000_000_000,
      dataTotal: 1_000_000_000_000,
      metaAvail: 40_000_000_000,
      metaTotal: 100_000_000_000,
      healthy: 1,
      requests: { GetObject: count(12), PutObject: count(8) },
      errors: { "GetObject 404": count(1), "PutObject 503": count(0.2) },
    }),
  )(request, response);
});

/** Backend response times: most under 100 ms, a few slow ones (cumulative buckets). */
const ingress = (): string =>
  ingressNginxPage({
    backend: { "200": count(48), "404": count(1), "500": count(0.4) },
    frontend: { "200": count(120), "502": count(5) },
    durations: {
      backend: [
        ["0.05", count(30)],
        ["0.1", count(40)],
        ["0.25", count(45)],
        ["0.5", count(47)],
        ["1", count(48.4)],
        ["+Inf", count(48.6)],
      ],
    },
  });

const backend: Handler = (request, response) => {
  if (request.url === "/__heartbeat__") return text(response, 200, '{"status": "ok"}', "application/json");
  text(response, 404, "Not found");
};

const livekitHealth: Handler = (_request, response) => text(response, 200, "OK");

/** Every port the stand-ins listen on (examples/whitebox.json and examples/standins-garage-down.json use them). */
export const PORTS = {
  backend: 18000,
  ingress: 10254,
  livekit: 17880,
  livekitMetricsA: 16789,
  livekitMetricsB: 16790,
  garage: 13903,
  postgresExporter: 19187,
  postgresReplicaExporter: 19188,
  ...LAYER_PORTS,
} as const;

const PORT_USE: Record<keyof typeof PORTS, string> = {
  backend: "backend heartbeat",
  ingress: "ingress-nginx metrics",
  livekit: "LiveKit health",
  livekitMetricsA: "LiveKit node a metrics (basic auth)",
  livekitMetricsB: "LiveKit node b metrics (restarts every 12 s)",
  garage: "Garage admin: /health, /metrics, buckets",
  postgresExporter: "postgres_exporter (primary)",
  postgresReplicaExporter: "postgres_exporter (replica)",
  ...LAYER_PORT_USE,
};

/** What is already listening: a leftover `npm run standins`, most likely. */
class PortTaken extends Error {}

async function listen(port: number, handler: Handler, what: string): Promise<() => Promise<void>> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new PortTaken(portTakenText([[port, what]])) : error),
    );
    server.listen(port, "127.0.0.1", resolve);
  });
  console.log(`  ${what.padEnd(52)} http://127.0.0.1:${port}`);
  return () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

function portTakenText(taken: readonly (readonly [number, string])[]): string {
  const list = taken.map(([port, what]) => `${port} (${what})`).join(", ");
  const first = taken[0]?.[0] ?? 0;
  return `port${taken.length > 1 ? "s" : ""} ${list} already in use on 127.0.0.1: is another \`npm run standins\` still running? (\`ss -ltnp 'sport = :${first}'\` shows what holds it)`;
}

/** Every fixed port that something already listens on, checked before starting anything. */
async function takenPorts(): Promise<[number, string][]> {
  const taken: [number, string][] = [];
  for (const [name, port] of Object.entries(PORTS) as [keyof typeof PORTS, number][]) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once("error", () => resolve(false));
      probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
    });
    if (!free) taken.push([port, PORT_USE[name]]);
  }
  return taken;
}

async function main(): Promise<void> {
  const lifetime = stopOnSignals();
  const { step, stopAll } = lifetime;

  try {
    const taken = await takenPorts();
    if (taken.length > 0) throw new PortTaken(portTakenText(taken));
    console.log("Stand-ins for examples/whitebox.json (127.0.0.1 only):");
    const started =
      (await step(() => listen(PORTS.backend, backend, PORT_USE.backend))) &&
      (await step(() => listen(PORTS.ingress, guardedless(ingress), PORT_USE.ingress))) &&
      (await step(() => listen(PORTS.livekit, livekitHealth, PORT_USE.livekit))) &&
      (await step(() =>
        listen(PORTS.livekitMetricsA, guarded(livekitAuth, livekitA), PORT_USE.livekitMetricsA),
      )) &&
      (await step(() =>
        listen(PORTS.livekitMetricsB, guarded(livekitAuth, livekitB), PORT_USE.livekitMetricsB),
      )) &&
      (await step(() => listen(PORTS.garage, garage, PORT_USE.garage))) &&
      (await step(startDatabase)) &&
      (await step(async () => {
        const layers = await startLayerStandins(listen);
        return async () => {
          for (const stop of layers.reverse()) await stop();
        };
      }));
    if (!started) return void (await stopAll(0));
  } catch (error) {
    const message = error instanceof PortTaken ? error.message : `could not start: ${errorMessage(error)}`;
    console.error(message);
    return void (await stopAll(1));
  }
  lifetime.started();
  console.log(
    "\nThen, in another shell:\n" +
      `  export LIVEKIT_METRICS_PASSWORD=${LIVEKIT_PASSWORD} GARAGE_METRICS_TOKEN=${GARAGE_TOKEN} GARAGE_ADMIN_TOKEN=${GARAGE_ADMIN_TOKEN} PG_EXPORTER_PASSWORD=${EXPORTER_PASSWORD}\n` +
      "  npm run probe -- --config examples/whitebox.json --watch --interval 5 --cycles 3\n\nCtrl-C stops.",
  );
}

/**
 * A real PostgreSQL primary and streaming replica, each with postgres_exporter, when installed;
 * else the captured exporter page on both ports.
 */
async function startDatabase(): Promise<() => Promise<void>> {
  const binaries = findBinaries();
  if ("missing" in binaries) {
    const page = readFileSync(`${SAMPLES_DIR}/postgres-exporter-0.11.txt`, "utf8");
    const auth = `Basic ${Buffer.from(`${EXPORTER_USER}:${EXPORTER_PASSWORD}`).toString("base64")}`;
    const stops: (() => Promise<void>)[] = [];
    for (const port of [PORTS.postgresExporter, PORTS.postgresReplicaExporter]) {
      stops.push(
        await listen(
          port,
          guarded(auth, () => page),
          "postgres_exporter (captured page)",
        ),
      );
    }
    console.log(`  (${binaries.missing.join(", ")} missing: serving the captured exporter page)`);
    return async () => {
      for (const stop of stops) await stop();
    };
  }
  const postgres = await startPostgres(binaries, 100, {
    exporterPort: PORTS.postgresExporter,
    statStatements: hasStatStatements(binaries),
  });
  let writes: NodeJS.Timeout | undefined;
  let replica: Awaited<ReturnType<typeof postgres.startReplica>> | undefined;
  const stop = async (): Promise<void> => {
    clearInterval(writes);
    await replica?.stop();
    await postgres.stop();
  };
  try {
    await postgres.openSessions(17);
    replica = await postgres.startReplica(PORTS.postgresReplicaExporter);
    // Meet's database, written every two seconds: the replica's lag is its replay delay (not the
    // primary's silence), and pg_stat_statements has statements to report.
    postgres.sql("CREATE DATABASE meet");
    postgres.sql("CREATE TABLE heartbeat (at timestamptz)", "meet");
    writes = setInterval(() => {
      postgres.sql("INSERT INTO heartbeat VALUES (now())", "meet");
      postgres.sql("SELECT count(*) FROM heartbeat", "meet");
    }, 2_000);
  } catch (error) {
    await stop();
    throw error;
  }
  console.log(`  ${"real postgres_exporter (primary, 17 sessions)".padEnd(52)} ${postgres.exporterUrl}`);
  console.log(`  ${"real postgres_exporter (streaming replica)".padEnd(52)} ${replica.exporterUrl}`);
  console.log(`  ${"PostgreSQL primary itself".padEnd(52)} 127.0.0.1:${postgres.port}`);
  return stop;
}

function guardedless(page: () => string): Handler {
  return (_request, response) => text(response, 200, page(), "text/plain; version=0.0.4; charset=utf-8");
}

if (import.meta.main) await main();
