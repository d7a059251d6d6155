/**
 * Every figure through the whole path: real HTTP stand-ins for every source, the real node:http
 * port, probeOnce (as the CLI and the Lambda use it), the real CloudWatch SDK client against a
 * local endpoint speaking its wire protocol; then the CLI with --watch and the Lambda handler.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createCloudWatchPublisher } from "../../../../functions/probe/adapters/cloudwatch.ts";
import { createNodeHttp } from "../../../../functions/probe/adapters/node-http.ts";
import { type CliDependencies, EXIT, runCli } from "../../../../functions/probe/cli.ts";
import { createCredentialResolver, type SecretReader } from "../../../../functions/probe/credentials.ts";
import { createHandler } from "../../../../functions/probe/handler.ts";
import { probeOnce } from "../../../../functions/probe/monitor.ts";
import { createWhiteboxState } from "../../../../functions/probe/whitebox/collect.ts";
import { sourceSpecs } from "../../../../functions/probe/whitebox/specs.ts";
import { loadConfigFile } from "../../../../functions/shared/config/file.ts";
import {
  type MonitorConfig,
  type MonitorConfigInput,
  parseConfig,
} from "../../../../functions/shared/config/index.ts";
import { FigureMetrics } from "../../../../functions/shared/metrics.ts";
import { type CloudWatchEndpoint, startCloudWatchEndpoint } from "../../../../support/cloudwatch-endpoint.ts";
import {
  loopbackLookup,
  type RunningServer,
  sendJson,
  sendText,
  startHttpServer,
} from "../../../../support/servers.ts";
import {
  garagePage,
  ingressNginxPage,
  type LivekitNode,
  livekitNode,
  livekitPage,
  SAMPLES_DIR,
} from "../../../../support/whitebox.ts";

const LIVEKIT_PASSWORD = "e2e-livekit-metrics-password";
const GARAGE_TOKEN = "e2e-garage-metrics-token";
const basic = `Basic ${Buffer.from(`prometheus:${LIVEKIT_PASSWORD}`).toString("base64")}`;

/** What the stand-ins serve at each of three scrapes, 60 s apart. */
let scrape = 0;
const livekitPages: [LivekitNode, LivekitNode][] = [
  [
    livekitNode("ND_a", {
      rooms: 2,
      participants: 5,
      published: { audio: 4, video: 3 },
      subscribed: { audio: 9, video: 6 },
      packetsIn: { initial: 10_000, retransmit: 0 },
      lossIn: { audio: 5, video: 5 },
      bytesIn: { initial: 1_000_000, retransmit: 0 },
      bytesOut: { initial: 2_000_000, retransmit: 0 },
      nacks: { incoming: 100, outgoing: 0 },
      webhooks: { success: 20, failure: 1 },
    }),
    livekitNode("ND_b", { rooms: 1, participants: 2, packetsIn: { initial: 5_000, retransmit: 0 } }),
  ],
  [
    livekitNode("ND_a", {
      rooms: 3,
      participants: 6,
      published: { audio: 5, video: 3 },
      subscribed: { audio: 10, video: 6 },
      packetsIn: { initial: 16_000, retransmit: 0 },
      lossIn: { audio: 35, video: 35 },
      bytesIn: { initial: 1_600_000, retransmit: 0 },
      bytesOut: { initial: 3_200_000, retransmit: 0 },
      nacks: { incoming: 160, outgoing: 0 },
      webhooks: { success: 21, failure: 3 },
    }),
    // Node b restarted between the first and second scrape.
    livekitNode("ND_b", { rooms: 1, participants: 1, packetsIn: { initial: 4_000, retransmit: 0 } }),
  ],
  [
    livekitNode("ND_a", {
      rooms: 3,
      participants: 6,
      published: { audio: 5, video: 3 },
      subscribed: { audio: 10, video: 6 },
      packetsIn: { initial: 22_000, retransmit: 0 },
      lossIn: { audio: 35, video: 35 },
      bytesIn: { initial: 1_600_000, retransmit: 0 },
      bytesOut: { initial: 3_200_000, retransmit: 0 },
      nacks: { incoming: 160, outgoing: 0 },
      webhooks: { success: 22, failure: 3 },
    }),
    livekitNode("ND_b", { rooms: 0, participants: 0, packetsIn: { initial: 10_000, retransmit: 0 } }),
  ],
];
const garageCounts = [
  { requests: 1_000, errors: 5 },
  { requests: 1_400, errors: 7 },
  { requests: 1_400, errors: 7 },
];
const ingressCounts = [
  { "200": 1_000, "500": 10 },
  { "200": 1_570, "500": 40 },
  { "200": 1_690, "500": 40 },
];
const EXPECTED: Record<string, number>[] = [
  { Rooms: 3, Participants: 7, PublishedTracks: 7, SubscribedTracks: 15, DiskFreePercent: 25 },
  {
    Rooms: 4,
    Participants: 7,
    PublishedTracks: 8,
    SubscribedTracks: 16,
    // a: 60 lost of 6000; b restarted: 0 lost of 4000.
    PacketLoss: (100 * 60) / 10_000,
    NackRate: 1,
    BytesIn: 10_000,
    BytesOut: 20_000,
    WebhookFailures: 2,
    DiskFreePercent: 25,
    S3ErrorRate: 0.5,
    ClusterHealthy: 1,
    ErrorRate: 5,
    RequestRate: 10,
    ConnectionsPercent: 12,
  },
  {
    Rooms: 3,
    Participants: 6,
    PublishedTracks: 8,
    SubscribedTracks: 16,
    PacketLoss: 0,
    NackRate: 0,
    BytesIn: 0,
    BytesOut: 0,
    WebhookFailures: 0,
    DiskFreePercent: 25,
    ClusterHealthy: 1,
    ErrorRate: 0,
    RequestRate: 2,
    ConnectionsPercent: 12,
  },
];
// Cycle 1 has every gauge; ClusterHealthy and ConnectionsPercent too (they are gauges).
Object.assign(EXPECTED[0] ?? {}, { ClusterHealthy: 1, ConnectionsPercent: 12 });

let servers: RunningServer[] = [];
let endpoint: CloudWatchEndpoint;
let dir: string;
let urls: { health: string; livekit: [string, string]; garage: string; ingress: string; exporter: string };

function guarded(authorization: string | undefined, page: () => string) {
  return startHttpServer((req, res) => {
    if (authorization !== undefined && req.headers.authorization !== authorization) {
      return sendText(res, 401, "Unauthorized");
    }
    sendText(res, 200, page());
  });
}

beforeAll(async () => {
  const health = await startHttpServer((req, res) => {
    if (req.url === "/__heartbeat__") return sendJson(res, 200, { status: "ok" });
    if (req.url === "/health") return sendText(res, 200, "Garage is fully operational");
    sendText(res, 200, "OK");
  });
  const nodeA = await guarded(basic, () => livekitPage(livekitPages[scrape]?.[0] ?? livekitNode("x")));
  const nodeB = await guarded(basic, () => livekitPage(livekitPages[scrape]?.[1] ?? livekitNode("y")));
  const garage = await guarded(`Bearer ${GARAGE_TOKEN}`, () =>
    garagePage({
      prefixed: true,
      dataAvail: 250,
      dataTotal: 1_000,
      metaAvail: 10,
      metaTotal: 20,
      healthy: 1,
      requests: { PutObject: garageCounts[scrape]?.requests ?? 0 },
      errors: { "PutObject 503": garageCounts[scrape]?.errors ?? 0 },
    }),
  );
  const ingress = await guarded(undefined, () =>
    ingressNginxPage({
      backend: ingressCounts[scrape] ?? {},
      frontend: { "200": scrape * 1_000, "502": scrape },
    }),
  );
  const exporter = await guarded(undefined, () =>
    readFileSync(`${SAMPLES_DIR}/postgres-exporter-0.11.txt`, "utf8"),
  );
  servers = [health, nodeA, nodeB, garage, ingress, exporter];
  urls = {
    health: health.url,
    livekit: [`${nodeA.url}/metrics`, `${nodeB.url}/metrics`],
    garage: `${garage.url}/metrics`,
    ingress: `${ingress.url}/metrics`,
    exporter: `${exporter.url}/metrics`,
  };
  endpoint = await startCloudWatchEndpoint();
  dir = await mkdtemp(join(tmpdir(), "meet-whitebox-e2e-"));
});
afterAll(async () => {
  await Promise.all([...servers.map((server) => server.close()), endpoint.close()]);
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  scrape = 0;
  endpoint.requests.length = 0;
});

const ARN = "arn:aws:secretsmanager:eu-west-3:123456789012:secret:meet/metrics-AbCdEf";

function configInput(credentials: "env" | "secret"): MonitorConfigInput {
  const livekitPassword =
    credentials === "env" ? { env: "LK_METRICS_PASSWORD" } : { secretArn: ARN, secretJsonKey: "livekit" };
  const garageToken =
    credentials === "env" ? { env: "GARAGE_METRICS_TOKEN" } : { secretArn: ARN, secretJsonKey: "garage" };
  return {
    vantage: "e2e",
    probe: { retryDelayMs: 0, timeoutMs: 2_000 },
    targets: {
      backend: {
        url: urls.health,
        requests: { preset: "ingress-nginx", url: urls.ingress, ingress: "meet-backend", namespace: "meet" },
      },
      livekit: {
        url: urls.health,
        metricsUrl: urls.livekit,
        metricsBasicAuth: { username: "prometheus", password: livekitPassword },
      },
      garage: { adminUrl: urls.health, metrics: { url: urls.garage, token: garageToken } },
      database: { exporterUrl: urls.exporter },
    },
  };
}

function config(credentials: "env" | "secret"): MonitorConfig {
  const result = parseConfig(configInput(credentials));
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

const ENV = { LK_METRICS_PASSWORD: LIVEKIT_PASSWORD, GARAGE_METRICS_TOKEN: GARAGE_TOKEN };

/** Figures of one PutMetricData request, by name; asserting their dimensions and units. */
function publishedFigures(requestIndex: number): Record<string, number> {
  const request = endpoint.requests[requestIndex];
  const figures: Record<string, number> = {};
  const timestamps = new Set<number | undefined>();
  for (const item of request?.body.MetricData ?? []) {
    timestamps.add(item.Timestamp);
    const spec = FigureMetrics[item.MetricName as keyof typeof FigureMetrics];
    if (!spec) continue;
    expect(item.Unit).toBe(spec.unit);
    expect(item.Dimensions).toEqual([
      { Name: "Component", Value: spec.component },
      { Name: "Vantage", Value: "e2e" },
    ]);
    figures[item.MetricName] = item.Value ?? Number.NaN;
  }
  expect(timestamps.size).toBe(1); // one timestamp per cycle, checks and figures alike
  return figures;
}

function expectFigures(actual: Record<string, number>, expected: Record<string, number> | undefined): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected ?? {}).sort());
  for (const [name, value] of Object.entries(expected ?? {}))
    expect(actual[name], name).toBeCloseTo(value, 9);
}

describe("white-box figures end to end", () => {
  it("examples/whitebox.json is valid and configures every source, credentials from the environment", async () => {
    const loaded = await loadConfigFile("examples/whitebox.json");
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const specs = sourceSpecs(loaded.config);
    expect(specs.map((spec) => [spec.component, spec.url.href, spec.auth?.type])).toEqual([
      ["livekit", "http://127.0.0.1:16789/metrics", "basic"],
      ["livekit", "http://127.0.0.1:16790/metrics", "basic"],
      ["garage", "http://127.0.0.1:13903/metrics", "bearer"],
      ["backend", "http://127.0.0.1:10254/metrics", undefined],
      ["database", "http://127.0.0.1:19187/metrics", "basic"],
      ["database", "http://127.0.0.1:19188/metrics", "basic"],
      ["redis", "http://127.0.0.1:19121/metrics", undefined],
      ["host", "http://127.0.0.1:19100/metrics", undefined],
      ["host", "http://127.0.0.1:19101/metrics", undefined],
      ["garage", "http://127.0.0.1:13903/v2/GetBucketInfo?globalAlias=meet-media-storage", "bearer"],
      ["garage", "http://127.0.0.1:13903/v2/GetBucketInfo?globalAlias=meet-backups", "bearer"],
      ["egress", "http://127.0.0.1:17889/metrics", undefined],
      ["egress", "http://127.0.0.1:17890/metrics", undefined],
    ]);
    for (const spec of specs) {
      const credential = spec.auth?.type === "basic" ? spec.auth.password : spec.auth?.token;
      if (credential) expect(Object.keys(credential)).toEqual(["env"]);
    }
  });

  it("publishes every figure with the checks through probeOnce, over three cycles", async () => {
    let now = 5_000_000;
    const whitebox = {
      state: createWhiteboxState(),
      credentials: createCredentialResolver({ mode: "local", env: ENV }),
      clock: () => now,
    };
    const dependencies = {
      http: createNodeHttp({ lookup: loopbackLookup }),
      publisher: createCloudWatchPublisher({ client: endpoint.client() }),
      writeEmf: () => undefined,
      whitebox,
    };
    for (let cycle = 0; cycle < 3; cycle++) {
      scrape = cycle;
      const outcome = await probeOnce(config("env"), "e2e", dependencies);
      expect(outcome.publish).toMatchObject({ ok: true });
      expect(outcome.report.checks.map((check) => check.status)).toEqual(["up", "up", "up"]);
      expect(outcome.whitebox?.sources.every((source) => source.ok)).toBe(true);
      expectFigures(publishedFigures(cycle), EXPECTED[cycle]);
      now += 60_000;
    }
    expect(endpoint.datums().filter((d) => d.MetricName === "Up")).toHaveLength(9);
    expect(endpoint.datums().filter((d) => d.MetricName === "MonitorHeartbeat")).toHaveLength(3);
    expect(JSON.stringify(endpoint.requests)).not.toContain(LIVEKIT_PASSWORD);
  });

  it("keeps publishing the checks when a source hangs", async () => {
    const hung = await startHttpServer(() => undefined);
    try {
      const input = configInput("env");
      const result = parseConfig({
        ...input,
        targets: {
          ...input.targets,
          livekit: { url: urls.health, metricsUrl: `${hung.url}/metrics`, metrics: { timeoutMs: 300 } },
        },
      });
      if (!result.ok) throw new Error("bad config");
      const outcome = await probeOnce(result.config, "e2e", {
        http: createNodeHttp({ lookup: loopbackLookup }),
        publisher: createCloudWatchPublisher({ client: endpoint.client() }),
        writeEmf: () => undefined,
        whitebox: {
          state: createWhiteboxState(),
          credentials: createCredentialResolver({ mode: "local", env: ENV }),
        },
      });
      expect(outcome.report.checks.map((check) => check.status)).toEqual(["up", "up", "up"]);
      expect(outcome.whitebox?.sources.find((s) => s.source === "livekit")).toMatchObject({
        ok: false,
        reason: "timeout after 300 ms during waiting for response headers",
      });
      // The cycle lasts until its slowest part: here the hung source, not the fast checks.
      expect(outcome.report.durationMs).toBeGreaterThanOrEqual(300);
      const names = endpoint.datums().map((d) => d.MetricName);
      expect(names.filter((name) => name === "Up")).toHaveLength(3);
      expect(names).not.toContain("Rooms");
      expect(names).toContain("DiskFreePercent");
      expect(names).toContain("ConnectionsPercent");
    } finally {
      await hung.close();
    }
  });

  it("the CLI with --watch --cycles 3 prints and publishes every figure", async () => {
    const path = join(dir, "whitebox.json");
    await writeFile(path, JSON.stringify(configInput("env")));
    let now = 9_000_000;
    let stdout = "";
    let stderr = "";
    const saved = { ...process.env };
    Object.assign(process.env, ENV);
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
        ["--config", path, "--publish", "--watch", "--interval", "5", "--cycles", "3"],
        { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) },
        dependencies,
      );
      expect(code).toBe(EXIT.ok);
    } finally {
      process.env = saved;
    }
    for (let cycle = 0; cycle < 3; cycle++) expectFigures(publishedFigures(cycle), EXPECTED[cycle]);
    expect(stderr.trim().split("\n")).toHaveLength(3); // one publish summary per cycle
    const cycles = stdout.split(/^cycle \d\/3 {2}/m).slice(1);
    expect(cycles).toHaveLength(3);
    expect(cycles[0]).toMatch(/^SOURCE\s+URL\s+STATUS\s+HTTP\s+TIME\s+SAMPLES$/m);
    expect(cycles[0]).toMatch(/^livekit\s+http:\/\/127\.0\.0\.1:\d+\/metrics\s+OK\s+200\s/m);
    expect(cycles[0]).toMatch(/^livekit\s+PacketLoss\s+-\s+not published: first sample: the rate starts/m);
    expect(cycles[0]).toContain("first sample; its rates start with the next cycle");
    expect(cycles[1]).toMatch(/^livekit\s+PacketLoss\s+0\.600\s+Percent$/m);
    expect(cycles[1]).toMatch(/^recording\s+WebhookFailures\s+2\s+Count$/m);
    expect(cycles[1]).toMatch(/^backend\s+ErrorRate\s+5\s+Percent$/m);
    expect(cycles[1]).toMatch(/^database\s+ConnectionsPercent\s+12\s+Percent$/m);
    expect(cycles[1]).toMatch(/^garage\s+S3ErrorRate\s+0\.500\s+Percent$/m);
    expect(cycles[2]).toMatch(/^garage\s+S3ErrorRate\s+-\s+not published: no S3 requests in the interval$/m);
    expect(stdout).not.toContain(LIVEKIT_PASSWORD);
    expect(stdout).not.toContain(GARAGE_TOKEN);
  });

  it("the CLI's --json carries each source's status and the figures", async () => {
    const path = join(dir, "whitebox-json.json");
    await writeFile(path, JSON.stringify(configInput("env")));
    let stdout = "";
    const saved = { ...process.env };
    Object.assign(process.env, ENV);
    try {
      await runCli(
        ["--config", path, "--json"],
        { stdout: (text) => (stdout += text), stderr: () => undefined },
        { http: createNodeHttp({ lookup: loopbackLookup }) },
      );
    } finally {
      process.env = saved;
    }
    const parsed = JSON.parse(stdout.trim());
    expect(parsed.whitebox.sources.map((s: { source: string; ok: boolean }) => [s.source, s.ok])).toEqual([
      ["livekit", true],
      ["livekit", true],
      ["garage", true],
      ["backend", true],
      ["database", true],
    ]);
    expect(parsed.whitebox.figures).toContainEqual({
      component: "livekit",
      metric: "Rooms",
      unit: "Count",
      value: 3,
      sources: 2,
      of: 2,
    });
    expect(parsed.whitebox.missing).toContainEqual({
      component: "backend",
      metric: "ErrorRate",
      reason: "first sample: the rate starts with the next cycle",
    });
  });

  it("the Lambda reads Secrets Manager once, keeps the previous samples while warm, and logs each source", async () => {
    let reads = 0;
    const secrets: SecretReader = {
      read: async (arn) => {
        reads++;
        expect(arn).toBe(ARN);
        return JSON.stringify({ livekit: LIVEKIT_PASSWORD, garage: GARAGE_TOKEN });
      },
    };
    const logs: Record<string, unknown>[] = [];
    let now = 1_000_000;
    const handler = createHandler({
      loadConfig: async () => config("secret"),
      http: createNodeHttp({ lookup: loopbackLookup }),
      publisher: createCloudWatchPublisher({ client: endpoint.client() }),
      log: (record) => logs.push(record),
      writeLine: () => undefined,
      env: { AWS_REGION: "eu-west-3", LK_METRICS_PASSWORD: "never-used" },
      credentials: createCredentialResolver({ mode: "lambda", secrets }),
      clock: () => now,
    });
    for (let cycle = 0; cycle < 3; cycle++) {
      scrape = cycle;
      await handler();
      now += 60_000;
    }
    expect(reads).toBe(1);
    for (let cycle = 0; cycle < 3; cycle++) expectFigures(publishedFigures(cycle), EXPECTED[cycle]);
    const first = logs.slice(0, logs.findIndex((record) => record.message === "cycle") + 1);
    expect(first.map((record) => [record.message, record.source ?? record.component])).toEqual([
      ["check", "backend"],
      ["check", "livekit"],
      ["check", "garage"],
      ["source", "livekit"],
      ["source", "livekit"],
      ["source", "garage"],
      ["source", "backend"],
      ["source", "database"],
      ["figures", undefined],
      ["cycle", undefined],
    ]);
    expect(first[8]).toMatchObject({
      level: "INFO",
      message: "figures",
      figures: { Rooms: 3, ConnectionsPercent: 12 },
      missing: { ErrorRate: "first sample: the rate starts with the next cycle" },
    });
    const text = JSON.stringify(logs);
    expect(text).not.toContain(LIVEKIT_PASSWORD);
    expect(text).not.toContain(GARAGE_TOKEN);
    expect(text).not.toContain(basic.slice(6));
  });

  it("the Lambda handler defaults to Secrets Manager only: env credentials are refused, with a log line", async () => {
    const logs: Record<string, unknown>[] = [];
    const handler = createHandler({
      loadConfig: async () => config("env"),
      http: createNodeHttp({ lookup: loopbackLookup }),
      publisher: createCloudWatchPublisher({ client: endpoint.client() }),
      log: (record) => logs.push(record),
      writeLine: () => undefined,
      env: { AWS_REGION: "eu-west-3", ...ENV },
    });
    await handler();
    expect(logs.filter((record) => record.message === "source" && record.source === "livekit")).toEqual([
      expect.objectContaining({
        level: "WARN",
        ok: false,
        reason:
          "targets.livekit.metricsBasicAuth.password: no secretArn (the Lambda reads credentials only from AWS Secrets Manager; env and file are for the CLI)",
      }),
      expect.objectContaining({ level: "WARN", ok: false }),
    ]);
    expect(logs.find((record) => record.message === "source" && record.source === "database")).toMatchObject({
      level: "INFO",
      ok: true,
    });
  });
});
