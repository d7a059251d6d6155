/**
 * Every figure of the guide's other layers through the whole path: stand-ins answering as the real
 * programs (response-time buckets, redis_exporter, two node_exporters, two egress workers, Garage's
 * GetBucketInfo), the CLI with --watch --publish (its table) and the Lambda handler (its log
 * lines), published through the real CloudWatch SDK client to a local endpoint speaking its wire
 * protocol, with the Host and Bucket dimensions.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createCloudWatchPublisher } from "../../../../functions/probe/adapters/cloudwatch.ts";
import { createNodeHttp } from "../../../../functions/probe/adapters/node-http.ts";
import { type CliDependencies, EXIT, runCli } from "../../../../functions/probe/cli.ts";
import { createCredentialResolver, type SecretReader } from "../../../../functions/probe/credentials.ts";
import { createHandler } from "../../../../functions/probe/handler.ts";
import { type MonitorConfigInput, parseConfig } from "../../../../functions/shared/config/index.ts";
import { FigureMetrics } from "../../../../functions/shared/metrics.ts";
import { type CloudWatchEndpoint, startCloudWatchEndpoint } from "../../../../support/cloudwatch-endpoint.ts";
import {
  loopbackLookup,
  type RunningServer,
  sendJson,
  sendText,
  startHttpServer,
} from "../../../../support/servers.ts";
import { ingressNginxPage } from "../../../../support/whitebox.ts";
import {
  egressPage,
  garageAdminAnswer,
  type HostState,
  nodeExporterPage,
  redisExporterPage,
} from "../../../../support/whitebox-layers.ts";

const ADMIN_TOKEN = "e2e-garage-admin-token";
const ARN = "arn:aws:secretsmanager:eu-west-3:123456789012:secret:meet/garage-admin-AbCdEf";

/** The scrape the stand-ins answer: 0, then 1 a minute later. */
let scrape = 0;
const at = <T>(values: readonly [T, T]): T => values[scrape === 0 ? 0 : 1];

const host = (busySeconds: number, idleSeconds: number, rx: number): HostState => ({
  cpu: { user: busySeconds, system: 0, idle: idleSeconds, iowait: 0, steal: 0 },
  cpus: 2,
  memAvailable: 1_000,
  memTotal: 4_000,
  filesystems: [
    { mountpoint: "/", fstype: "ext4", avail: 40, size: 100 },
    { mountpoint: "/var", fstype: "xfs", avail: 5, size: 100 },
  ],
  diskIo: { vda: busySeconds / 10 },
  network: { eth0: { rx, tx: rx / 2 } },
});

let servers: RunningServer[] = [];
let endpoint: CloudWatchEndpoint;
let dir: string;
let input: MonitorConfigInput;

beforeAll(async () => {
  const serve = async (page: () => string) => {
    const server = await startHttpServer((_req, res) => sendText(res, 200, page()));
    servers.push(server);
    return `${server.url}/metrics`;
  };
  const checks = await startHttpServer((req, res) => {
    if (req.url === "/__heartbeat__") return sendJson(res, 200, { status: "ok" });
    const answer = garageAdminAnswer(
      req.method ?? "GET",
      req.url ?? "/",
      req.headers.authorization,
      ADMIN_TOKEN,
      [
        {
          alias: "meet-media-storage",
          bytes: at([1_000, 5_000]),
          objects: at([1, 3]),
          unfinishedMultipartUploads: 1,
        },
      ],
    );
    sendText(res, answer.status, answer.body, answer.type);
  });
  servers.push(checks);
  const ingress = await serve(() =>
    ingressNginxPage({
      backend: { "200": at([100, 200]) },
      frontend: {},
      // Over the minute: 100 requests, 80 under 0.1 s, 96 under 0.5 s, all under 2.5 s.
      durations: {
        backend: at([
          [
            ["0.1", 0],
            ["0.5", 0],
            ["2.5", 0],
          ],
          [
            ["0.1", 80],
            ["0.5", 96],
            ["2.5", 100],
          ],
        ]),
      },
    }),
  );
  const redis = await serve(() =>
    redisExporterPage({
      up: true,
      usedBytes: 900,
      maxBytes: 1_000,
      clients: 14,
      hits: at([0, 90]),
      misses: at([0, 10]),
      rejected: at([0, 2]),
      evicted: at([5, 8]),
    }),
  );
  const db = await serve(() => nodeExporterPage(at([host(0, 0, 0), host(90, 30, 6_000)])));
  const media = await serve(() => nodeExporterPage(at([host(0, 0, 0), host(30, 90, 60_000)])));
  const egress = await serve(() =>
    egressPage({
      nodeId: "EG_e2e",
      canAccept: true,
      requests: { room_composite: 1 },
      results: at([
        { "room_composite completed": 3 },
        { "room_composite completed": 4, "room_composite killed_oom": 1 },
      ]),
      cpuFree: 4,
    }),
  );
  input = {
    vantage: "e2e",
    probe: { retryDelayMs: 0, timeoutMs: 2_000 },
    targets: {
      backend: {
        url: checks.url,
        requests: { preset: "ingress-nginx", url: ingress, ingress: "meet-backend" },
      },
      garage: {
        adminUrl: checks.url,
        metrics: false,
        buckets: { names: ["meet-media-storage"], token: { env: "GARAGE_ADMIN_TOKEN", secretArn: ARN } },
      },
      redis: { exporterUrl: redis },
      hosts: [
        { name: "db-1", url: db },
        { name: "media-1", url: media },
      ],
      egress: { metricsUrl: egress },
    },
  };
  endpoint = await startCloudWatchEndpoint();
  dir = await mkdtemp(join(tmpdir(), "meet-layers-e2e-"));
});
afterAll(async () => {
  await Promise.all([...servers.map((server) => server.close()), endpoint.close()]);
  servers = [];
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  scrape = 0;
  endpoint.requests.length = 0;
});

/** The second cycle's figures: `metric` or `metric{Dimension=value}`. */
const EXPECTED: Record<string, number> = {
  // p50: rank 50 in [0, 0.1] holding 80; p95: rank 95 in (0.1, 0.5] holding 16, 15 needed.
  ResponseTimeP50: 62.5,
  ResponseTimeP95: 475,
  RedisUp: 1,
  RedisMemoryPercent: 90,
  CacheHitRate: 90,
  RedisClients: 14,
  RejectedConnections: 2,
  EvictedKeys: 3,
  "CpuBusy{Host=db-1}": 75,
  "MemoryAvailable{Host=db-1}": 25,
  "FilesystemFree{Host=db-1}": 5,
  "DiskBusy{Host=db-1}": 15,
  "NetworkIn{Host=db-1}": 100,
  "NetworkOut{Host=db-1}": 50,
  "CpuBusy{Host=media-1}": 25,
  "MemoryAvailable{Host=media-1}": 25,
  "FilesystemFree{Host=media-1}": 5,
  "DiskBusy{Host=media-1}": 5,
  "NetworkIn{Host=media-1}": 1_000,
  "NetworkOut{Host=media-1}": 500,
  "BucketBytes{Bucket=meet-media-storage}": 5_000,
  "BucketObjects{Bucket=meet-media-storage}": 3,
  "UnfinishedUploads{Bucket=meet-media-storage}": 1,
  EgressAvailable: 1,
  ActiveRecordings: 1,
  FailedRecordings: 1,
  // The backend's own figures come from the same page.
  ErrorRate: 0,
  RequestRate: 100 / 60,
};

/** The figures of one PutMetricData request by metric and instance, checking units and dimensions. */
function published(requestIndex: number): Record<string, number> {
  const body = endpoint.requests[requestIndex]?.body as { MetricData: Record<string, unknown>[] } | undefined;
  const figures: Record<string, number> = {};
  for (const item of body?.MetricData ?? []) {
    const spec = FigureMetrics[item.MetricName as keyof typeof FigureMetrics];
    if (!spec) continue;
    expect(item.Unit).toBe(spec.unit);
    const dimensions = item.Dimensions as { Name: string; Value: string }[];
    expect(dimensions.map((d) => d.Name)).toEqual([...spec.dimensions]);
    expect(dimensions.find((d) => d.Name === "Component")?.Value).toBe(spec.component);
    const instance = dimensions.find((d) => d.Name === "Host" || d.Name === "Bucket");
    figures[instance ? `${item.MetricName}{${instance.Name}=${instance.Value}}` : String(item.MetricName)] =
      Number(item.Value);
  }
  return figures;
}

function expectFigures(actual: Record<string, number>): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(EXPECTED).sort());
  for (const [name, value] of Object.entries(EXPECTED)) expect(actual[name], name).toBeCloseTo(value, 9);
}

describe("the other layers end to end", () => {
  it("the CLI with --watch --publish prints every new figure and publishes it with its dimensions", async () => {
    const path = join(dir, "layers.json");
    await writeFile(path, JSON.stringify(input));
    let now = 9_000_000;
    let stdout = "";
    const saved = { ...process.env };
    process.env.GARAGE_ADMIN_TOKEN = ADMIN_TOKEN;
    const dependencies: CliDependencies = {
      http: createNodeHttp({ lookup: loopbackLookup }),
      publisher: createCloudWatchPublisher({ client: endpoint.client() }),
      sleep: async () => {
        scrape++;
        now += 60_000;
      },
      clock: () => now,
    };
    try {
      const code = await runCli(
        ["--config", path, "--publish", "--watch", "--interval", "60", "--cycles", "2"],
        { stdout: (text) => (stdout += text), stderr: () => undefined },
        dependencies,
      );
      expect(code).toBe(EXIT.ok);
    } finally {
      process.env = saved;
    }
    expectFigures(published(1));
    const second = stdout.split(/^cycle \d\/2 {2}/m)[2] ?? "";
    for (const line of [
      /^backend\s+ResponseTimeP95\s+475\s+Milliseconds$/m,
      /^redis\s+RedisMemoryPercent\s+90\s+Percent$/m,
      /^redis\s+CacheHitRate\s+90\s+Percent$/m,
      /^host\/db-1\s+CpuBusy\s+75\s+Percent$/m,
      /^host\/media-1\s+NetworkIn\s+1000\s+Bytes\/Second$/m,
      /^garage\/meet-media-storage\s+BucketBytes\s+5000\s+Bytes$/m,
      /^egress\s+FailedRecordings\s+1\s+Count$/m,
      /^host\/db-1\s+http:\/\/127\.0\.0\.1:\d+\/metrics\s+OK\s+200\s/m,
      /^garage\/meet-media-storage\s+http:\/\/127\.0\.0\.1:\d+\/v2\/GetBucketInfo\?globalAlias=meet-media-storage\s+OK\s+200\s/m,
    ]) {
      expect(second).toMatch(line);
    }
    // Each host's figures together, in the configuration's order.
    expect(second.indexOf("host/db-1 ")).toBeLessThan(second.indexOf("host/media-1 "));
    expect(stdout).not.toContain(ADMIN_TOKEN);
  });

  it("the Lambda logs every figure under its metric and instance, the admin token read from Secrets Manager", async () => {
    const secrets: SecretReader = {
      read: async (arn) => {
        expect(arn).toBe(ARN);
        return ADMIN_TOKEN;
      },
    };
    const logs: Record<string, unknown>[] = [];
    let now = 1_000_000;
    const result = parseConfig(input);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const handler = createHandler({
      loadConfig: async () => result.config,
      http: createNodeHttp({ lookup: loopbackLookup }),
      publisher: createCloudWatchPublisher({ client: endpoint.client() }),
      log: (record) => logs.push(record),
      writeLine: () => undefined,
      env: { AWS_REGION: "eu-west-3" },
      credentials: createCredentialResolver({ mode: "lambda", secrets }),
      clock: () => now,
    });
    for (scrape = 0; scrape < 2; scrape++) {
      await handler();
      now += 60_000;
    }
    expectFigures(published(1));
    const figures = logs.filter((record) => record.message === "figures").at(-1);
    expect(figures?.figures).toMatchObject({
      "CpuBusy{Host=db-1}": 75,
      "CpuBusy{Host=media-1}": 25,
      "BucketBytes{Bucket=meet-media-storage}": 5_000,
      ResponseTimeP95: 475,
    });
    const sources = logs.filter((record) => record.message === "source").slice(0, 6);
    expect(
      sources.map((record) => [record.source, (record.instance as { value: string } | undefined)?.value]),
    ).toEqual([
      ["backend", undefined],
      ["redis", undefined],
      ["host", "db-1"],
      ["host", "media-1"],
      ["garage", "meet-media-storage"],
      ["egress", undefined],
    ]);
    expect(JSON.stringify(logs)).not.toContain(ADMIN_TOKEN);
  });
});
