/**
 * The sources of the guide's other layers over real HTTP, against stand-ins answering as the real
 * programs do (support/whitebox-layers.ts): Garage's admin API GetBucketInfo (v2 and v1, bearer
 * token, its errors), LiveKit egress' Prometheus page and health endpoint; and the extractors'
 * filters on pages built from the real names.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createNodeHttp } from "../../../../functions/probe/adapters/node-http.ts";
import { createCredentialResolver } from "../../../../functions/probe/credentials.ts";
import { type Exposition, parseExposition } from "../../../../functions/probe/prometheus/parse.ts";
import {
  collectWhitebox,
  createWhiteboxState,
  type WhiteboxDependencies,
  type WhiteboxReport,
  whiteboxDatums,
} from "../../../../functions/probe/whitebox/collect.ts";
import {
  extractNode,
  extractPostgres,
  extractRedis,
} from "../../../../functions/probe/whitebox/extract/index.ts";
import { type MonitorConfig, parseConfig } from "../../../../functions/shared/config/index.ts";
import {
  closedPort,
  loopbackLookup,
  type RunningServer,
  sendText,
  startHttpServer,
} from "../../../../support/servers.ts";
import {
  type EgressWorker,
  egressHealth,
  egressPage,
  type GarageBucket,
  garageAdminAnswer,
  nodeExporterPage,
  redisExporterPage,
} from "../../../../support/whitebox-layers.ts";

const http = createNodeHttp({ lookup: loopbackLookup });
const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serveText(
  answer: () => { status?: number; body: string; type?: string },
): Promise<RunningServer> {
  const server = await startHttpServer((_req, res) => {
    const { status = 200, body, type = "text/plain; version=0.0.4; charset=utf-8" } = answer();
    sendText(res, status, body, type);
  });
  servers.push(server);
  return server;
}

function configOf(targets: Record<string, unknown>): MonitorConfig {
  const result = parseConfig({ probe: { timeoutMs: 2_000 }, targets });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

function harness(env: Record<string, string> = {}) {
  let now = 1_000_000;
  const dependencies: WhiteboxDependencies = {
    http,
    state: createWhiteboxState(),
    credentials: createCredentialResolver({ mode: "local", env }),
    clock: () => now,
  };
  return async (config: MonitorConfig): Promise<WhiteboxReport> => {
    now += 60_000;
    const report = await collectWhitebox(config, dependencies);
    if (!report) throw new Error("no report");
    return report;
  };
}

const ADMIN_TOKEN = "garage-admin-t0ken-value";
const BUCKETS: GarageBucket[] = [
  { alias: "meet-media-storage", bytes: 52_428_800_000, objects: 1_234, unfinishedMultipartUploads: 2 },
  { alias: "meet-backups", bytes: 0, objects: 0, unfinishedMultipartUploads: 0 },
];

describe("bucket sizes through Garage's admin API", () => {
  async function garage(api: "v1" | "v2", seen: string[] = []): Promise<RunningServer> {
    const server = await startHttpServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization ?? "-"}`);
      const answer = garageAdminAnswer(
        req.method ?? "GET",
        req.url ?? "/",
        req.headers.authorization,
        ADMIN_TOKEN,
        BUCKETS,
        api,
      );
      sendText(res, answer.status, answer.body, answer.type);
    });
    servers.push(server);
    return server;
  }
  const bucketsConfig = (adminUrl: string, names: string[], api?: "v1" | "v2") =>
    configOf({
      garage: {
        adminUrl,
        metrics: false,
        buckets: { names, token: { env: "GARAGE_ADMIN_TOKEN" }, ...(api ? { api } : {}) },
      },
    });

  it.each(["v2", "v1"] as const)(
    "reads each bucket's bytes, objects and unfinished uploads (%s)",
    async (api) => {
      const seen: string[] = [];
      const server = await garage(api, seen);
      const collect = harness({ GARAGE_ADMIN_TOKEN: ADMIN_TOKEN });
      const report = await collect(bucketsConfig(server.url, ["meet-media-storage", "meet-backups"], api));
      const path = api === "v2" ? "/v2/GetBucketInfo" : "/v1/bucket";
      expect(seen.sort()).toEqual([
        `${path}?globalAlias=meet-backups Bearer ${ADMIN_TOKEN}`,
        `${path}?globalAlias=meet-media-storage Bearer ${ADMIN_TOKEN}`,
      ]);
      expect(report.figures.map((f) => [f.instance?.value, f.metric, f.value])).toEqual([
        ["meet-media-storage", "BucketBytes", 52_428_800_000],
        ["meet-media-storage", "BucketObjects", 1_234],
        ["meet-media-storage", "UnfinishedUploads", 2],
        ["meet-backups", "BucketBytes", 0],
        ["meet-backups", "BucketObjects", 0],
        ["meet-backups", "UnfinishedUploads", 0],
      ]);
      const datum = whiteboxDatums(report, "ci").find((d) => d.name === "BucketBytes");
      expect(datum).toEqual({
        name: "BucketBytes",
        unit: "Bytes",
        value: 52_428_800_000,
        dimensions: [
          { name: "Component", value: "garage" },
          { name: "Bucket", value: "meet-media-storage" },
          { name: "Vantage", value: "ci" },
        ],
      });
      expect(report.sources.map((source) => source.samples)).toEqual([undefined, undefined]);
    },
  );

  it("says which bucket is missing and when the token is refused, never quoting the answer or the token", async () => {
    const server = await garage("v2");
    const missing = await harness({ GARAGE_ADMIN_TOKEN: ADMIN_TOKEN })(
      bucketsConfig(server.url, ["meet-media-storage", "no-such-bucket"]),
    );
    expect(missing.sources[1]).toMatchObject({
      source: "garage",
      instance: { dimension: "Bucket", value: "no-such-bucket" },
      ok: false,
      httpStatus: 404,
      reason: "HTTP 404 (NoSuchBucket), expected 200 and a JSON answer",
    });
    expect(
      missing.missing.filter((m) => m.instance?.value === "no-such-bucket").map((m) => m.reason),
    ).toEqual(["source could not be read", "source could not be read", "source could not be read"]);
    // One bucket unreadable: the garage component's SourceUp says so.
    expect(whiteboxDatums(missing, "ci").find((d) => d.name === "SourceUp")?.value).toBe(0);

    const refused = await harness({ GARAGE_ADMIN_TOKEN: "wrong-token-value" })(
      bucketsConfig(server.url, ["meet-media-storage"]),
    );
    expect(refused.sources[0]).toMatchObject({
      ok: false,
      httpStatus: 403,
      reason: "HTTP 403: the endpoint refused the credentials",
    });
    expect(JSON.stringify(refused)).not.toContain("wrong-token-value");
  });

  it("refuses an answer that is not GetBucketInfo's", async () => {
    const server = await serveText(() => ({
      body: JSON.stringify({ status: "ok" }),
      type: "application/json",
    }));
    const html = await serveText(() => ({ body: "<!doctype html><title>x</title>", type: "text/html" }));
    const collect = harness({ GARAGE_ADMIN_TOKEN: ADMIN_TOKEN });
    expect((await collect(bucketsConfig(server.url, ["meet-media-storage"]))).sources[0]?.reason).toBe(
      "no numeric bytes and objects in the JSON: not Garage's GetBucketInfo answer (check the admin URL)",
    );
    expect((await collect(bucketsConfig(html.url, ["meet-media-storage"]))).sources[0]?.reason).toBe(
      "got HTML, not a JSON answer: check the URL",
    );
  });
});

const worker = (nodeId: string, overrides: Partial<EgressWorker> = {}): EgressWorker => ({
  nodeId,
  canAccept: true,
  requests: { room_composite: 0, track: 0 },
  results: {},
  cpuFree: 8,
  ...overrides,
});

describe("recording workers: LiveKit egress", () => {
  it("counts the workers that can take a recording, the recordings running and the failed ones", async () => {
    let one = worker("EG_one", { requests: { room_composite: 1, track: 0 } });
    let two = worker("EG_two", { canAccept: false, requests: { room_composite: 3, track: 1 } });
    const a = await serveText(() => ({ body: egressPage(one) }));
    const b = await serveText(() => ({ body: egressPage(two) }));
    const config = configOf({ egress: { metricsUrl: [`${a.url}/metrics`, `${b.url}/metrics`] } });
    const collect = harness();
    const first = await collect(config);
    const values = (report: WhiteboxReport) =>
      Object.fromEntries(report.figures.map((f) => [f.metric, f.value]));
    expect(values(first)).toEqual({ EgressAvailable: 1, ActiveRecordings: 5 });

    one = { ...one, results: { "room_composite completed": 4, "room_composite duplicate_identity": 1 } };
    two = {
      ...two,
      results: { "room_composite killed_oom": 1, "track process_error": 1, "room_composite completed": 9 },
    };
    // The handler counter appears with the first ended recordings: a series that appears on a
    // worker that did not restart (same node_id) counted everything it holds in the interval.
    expect(values(await collect(config)).FailedRecordings).toBe(2); // killed_oom and process_error on two
    one = {
      ...one,
      results: {
        "room_composite completed": 5,
        "room_composite duplicate_identity": 2,
        "room_composite stopped_cpu": 1,
      },
    };
    two = {
      ...two,
      results: { "room_composite killed_oom": 2, "track process_error": 1, "room_composite completed": 12 },
    };
    expect(values(await collect(config)).FailedRecordings).toBe(2); // stopped_cpu on one, killed_oom on two
    // A restarted worker draws a new node_id: its counters start again, no increase this cycle.
    two = { ...two, nodeId: "EG_two_again", results: { "room_composite killed_oom": 1 } };
    const restarted = await collect(config);
    expect(restarted.figures.find((f) => f.metric === "FailedRecordings")).toMatchObject({
      value: 0,
      sources: 1,
    });
  });

  it("counts an unreadable worker as unavailable, and publishes 0 when none can be read", async () => {
    const a = await serveText(() => ({ body: egressPage(worker("EG_one")) }));
    const dead = `http://127.0.0.1:${await closedPort()}/metrics`;
    const collect = harness();
    const some = await collect(configOf({ egress: { metricsUrl: [`${a.url}/metrics`, dead] } }));
    expect(some.figures.find((f) => f.metric === "EgressAvailable")).toMatchObject({
      value: 1,
      sources: 1,
      of: 2,
    });
    const none = await collect(configOf({ egress: { metricsUrl: dead } }));
    expect(none.figures).toEqual([
      {
        component: "egress",
        metric: "EgressAvailable",
        unit: "Count",
        value: 0,
        sources: 0,
        of: 1,
        note: "source could not be read",
      },
    ]);
    expect(none.missing.map((m) => [m.metric, m.reason])).toEqual([
      ["ActiveRecordings", "source could not be read"],
      ["FailedRecordings", "source could not be read"],
    ]);
    expect(whiteboxDatums(none, "ci").map((d) => [d.name, d.value])).toEqual([
      ["EgressAvailable", 0],
      ["SourceUp", 0],
    ]);
  });

  it("reads the health endpoint when the Prometheus port is off: free CPU against a recording's cost", async () => {
    const roomy = await serveText(() => ({
      body: egressHealth(worker("EG_a", { cpuFree: 6 })),
      type: "application/json",
    }));
    const busy = await serveText(() => ({
      body: egressHealth(worker("EG_b", { cpuFree: 2, requests: { room_composite: 2 } })),
      type: "application/json",
    }));
    const collect = harness();
    const values = async (cost?: number) =>
      Object.fromEntries(
        (
          await collect(
            configOf({
              egress: { healthUrl: [roomy.url, busy.url], ...(cost ? { roomCompositeCpuCost: cost } : {}) },
            }),
          )
        ).figures.map((f) => [f.metric, f.value]),
      );
    // Egress' default room composite cost is 4 CPUs: only the worker with 6 free can take one.
    expect(await values()).toEqual({ EgressAvailable: 1, ActiveRecordings: 2 });
    // Audio-only recordings (Meet's transcripts) cost 1.
    expect(await values(1)).toEqual({ EgressAvailable: 2, ActiveRecordings: 2 });
  });

  it("says when a page or an answer is not egress'", async () => {
    const page = await serveText(() => ({ body: "# TYPE up gauge\nup 1\n" }));
    const json = await serveText(() => ({
      body: JSON.stringify({ status: "ok" }),
      type: "application/json",
    }));
    const collect = harness();
    expect((await collect(configOf({ egress: { metricsUrl: page.url } }))).sources[0]?.reason).toBe(
      "no livekit_egress_can_accept_request in the page: not LiveKit egress's Prometheus endpoint (prometheus_port)",
    );
    expect((await collect(configOf({ egress: { healthUrl: json.url } }))).sources[0]?.reason).toBe(
      "no numeric CpuLoad in the JSON: not LiveKit egress's health endpoint (health_port)",
    );
  });
});

function parse(text: string): Exposition {
  const result = parseExposition(text);
  if (!result.ok) throw new Error(`line ${result.line}: ${result.error}`);
  return result.exposition;
}

describe("extractors of the other layers", () => {
  it("node_exporter: leaves out memory filesystems, read-only mounts, loop devices and virtual interfaces", () => {
    const result = extractNode(
      parse(
        nodeExporterPage({
          cpu: { user: 10, system: 5, idle: 80, iowait: 5, steal: 0 },
          cpus: 2,
          memAvailable: 2_000,
          memTotal: 8_000,
          filesystems: [
            { mountpoint: "/", fstype: "ext4", avail: 30, size: 100 },
            { mountpoint: "/var/lib/postgresql", fstype: "xfs", avail: 15, size: 100 },
            { mountpoint: "/run", fstype: "tmpfs", avail: 1, size: 100 },
            { mountpoint: "/snap/core", fstype: "squashfs", avail: 0, size: 100 },
            { mountpoint: "/media/cdrom", fstype: "ext4", avail: 0, size: 100, readonly: true },
          ],
          diskIo: { vda: 10, loop0: 99, dm0: 20 },
          network: {
            eth0: { rx: 1, tx: 2 },
            lo: { rx: 9, tx: 9 },
            veth12ab: { rx: 9, tx: 9 },
            "br-3f2a": { rx: 9, tx: 9 },
          },
        }),
      ),
    );
    if (!result.ok) throw new Error(result.error);
    const { gauges, counters } = result.extraction;
    expect(gauges).toEqual({ memoryAvailablePercent: 25, filesystemFreePercent: 15 });
    expect(counters.cpuSeconds).toHaveLength(16);
    expect(counters.cpuBusySeconds?.map((s) => s.key).every((key) => !/"(idle|iowait)"/.test(key))).toBe(
      true,
    );
    expect(counters.cpuBusySeconds).toHaveLength(12);
    expect(counters.diskIoSeconds?.map((s) => s.value)).toEqual([10, 20]);
    expect(counters.networkReceiveBytes?.map((s) => s.value)).toEqual([1]);
    expect(counters.networkTransmitBytes?.map((s) => s.value)).toEqual([2]);
    expect(extractNode(parse("# TYPE up gauge\nup 1\n"))).toEqual({
      ok: false,
      error:
        "no node_cpu_seconds_total or node_memory_MemTotal_bytes in the page: not node_exporter's /metrics (port 9100)",
    });
  });

  it("redis_exporter: memory against maxmemory, or a note when there is no limit", () => {
    const state = {
      up: true,
      usedBytes: 900,
      maxBytes: 1_000,
      clients: 7,
      hits: 1,
      misses: 1,
      rejected: 0,
      evicted: 0,
    };
    const limited = extractRedis(parse(redisExporterPage(state)));
    expect(limited.ok && limited.extraction.gauges).toEqual({
      redisUp: 1,
      redisMemoryPercent: 90,
      redisClients: 7,
    });
    const unlimited = extractRedis(parse(redisExporterPage({ ...state, maxBytes: 0 })));
    expect(unlimited.ok && unlimited.extraction.gauges).toEqual({ redisUp: 1, redisClients: 7 });
    expect(unlimited.ok && unlimited.extraction.notes[0]).toMatch(/^maxmemory is 0 \(no limit\)/);
    const down = extractRedis(parse(redisExporterPage({ ...state, up: false })));
    expect(down.ok && down.extraction).toEqual({
      gauges: { redisUp: 0 },
      counters: {},
      notes: ["redis_up is 0: the exporter cannot reach Redis; its other figures are not published"],
    });
    expect(extractRedis(parse("# TYPE up gauge\nup 1\n"))).toEqual({
      ok: false,
      error: "no redis_up in the page: not redis_exporter's /metrics (port 9121)",
    });
  });

  it("postgres_exporter: lag from replicas only, transactions, deadlocks and pg_stat_statements in both spellings", () => {
    const base = [
      'pg_settings_max_connections{server="db:5432"} 100',
      'pg_stat_activity_count{datname="meet",server="db:5432",state="active"} 5',
      'pg_stat_activity_max_tx_duration{datname="meet",server="db:5432",state="active"} 0.5',
      'pg_stat_activity_max_tx_duration{datname="meet",server="db:5432",state="idle in transaction"} 742.25',
      'pg_stat_database_deadlocks{datid="16384",datname="meet",server="db:5432"} 3',
    ];
    const extract = (lines: string[]) => {
      const result = extractPostgres(parse(`${[...base, ...lines].join("\n")}\n`));
      if (!result.ok) throw new Error(result.error);
      return result.extraction;
    };
    // postgres_exporter 0.13+: the replication collector says whether the server is a replica.
    const primary = extract([
      'pg_replication_lag_seconds{server="db:5432"} 0',
      'pg_replication_is_replica{server="db:5432"} 0',
    ]);
    expect(primary.gauges).toEqual({ connectionsPercent: 5, longestTransaction: 742.25 });
    expect(primary.notes).toContain(
      "not a replica (pg_replication_is_replica 0): ReplicationLag comes from a replica's exporter",
    );
    expect(primary.counters.deadlocks?.map((s) => s.value)).toEqual([3]);
    expect(primary.counters.statementCalls).toBeUndefined();
    const replica = extract([
      'pg_replication_lag_seconds{server="db:5432"} 12.5',
      'pg_replication_is_replica{server="db:5432"} 1',
      'pg_stat_statements_calls_total{datname="meet",queryid="1",server="db:5432",user="meet"} 10',
      'pg_stat_statements_seconds_total{datname="meet",queryid="1",server="db:5432",user="meet"} 2.5',
    ]);
    expect(replica.gauges.replicationLag).toBe(12.5);
    expect(replica.counters.statementCalls?.map((s) => s.value)).toEqual([10]);
    // The 0.11 example queries.yaml: pg_replication_lag, and its pg_stat_statements names.
    const older = extract([
      'pg_replication_lag{server="db:5432"} 4',
      'pg_stat_statements_calls{datname="meet",queryid="1",rolname="meet",server="db:5432"} 10',
      'pg_stat_statements_total_time_seconds{datname="meet",queryid="1",rolname="meet",server="db:5432"} 2.5',
    ]);
    expect(older.gauges.replicationLag).toBe(4);
    expect(older.counters.statementSeconds?.map((s) => s.value)).toEqual([2.5]);
  });
});
