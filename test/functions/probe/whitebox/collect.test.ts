import { readFileSync } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { createNodeHttp } from "../../../../functions/probe/adapters/node-http.ts";
import { createCredentialResolver, type SecretReader } from "../../../../functions/probe/credentials.ts";
import {
  collectWhitebox,
  createWhiteboxState,
  type WhiteboxDependencies,
  type WhiteboxReport,
  whiteboxDatums,
} from "../../../../functions/probe/whitebox/collect.ts";
import { MAX_SCRAPE_BYTES } from "../../../../functions/probe/whitebox/scrape.ts";
import { sourceSpecs } from "../../../../functions/probe/whitebox/specs.ts";
import { type MonitorConfig, parseConfig } from "../../../../functions/shared/config/index.ts";
import { planConfig } from "../../../../functions/shared/plan/index.ts";
import {
  closedPort,
  loopbackLookup,
  type RunningServer,
  sendText,
  startHttpServer,
} from "../../../../support/servers.ts";
import {
  djangoPage,
  garagePage,
  type LivekitNode,
  livekitNode,
  livekitPage,
  SAMPLES_DIR,
} from "../../../../support/whitebox.ts";

const http = createNodeHttp({ lookup: loopbackLookup });
const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

interface MetricsServer extends RunningServer {
  readonly seen: IncomingHttpHeaders[];
}

/** A real HTTP server answering the current page, checking the Authorization header if asked. */
async function metricsServer(page: () => string, authorization?: string): Promise<MetricsServer> {
  const seen: IncomingHttpHeaders[] = [];
  const server = await startHttpServer((req, res) => {
    seen.push(req.headers);
    if (authorization !== undefined && req.headers.authorization !== authorization) {
      return sendText(res, 401, "Unauthorized");
    }
    sendText(res, 200, page(), "text/plain; version=0.0.4; charset=utf-8");
  });
  servers.push(server);
  return Object.assign(server, { seen });
}

function configOf(input: Record<string, unknown>): MonitorConfig {
  const result = parseConfig({ probe: { timeoutMs: 2_000 }, ...input });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

function figureMap(report: WhiteboxReport | undefined): Record<string, number> {
  return Object.fromEntries((report?.figures ?? []).map((figure) => [figure.metric, figure.value]));
}

/** The SourceUp datums of a report, by component. */
function sourceUp(report: WhiteboxReport | undefined): Record<string, number> {
  if (!report) return {};
  return Object.fromEntries(
    whiteboxDatums(report, "ci")
      .filter((datum) => datum.name === "SourceUp")
      .map((datum) => [datum.dimensions[0]?.value, datum.value]),
  );
}

const LIVEKIT_PASSWORD = "lk-metrics-pa55word";
const GARAGE_TOKEN = "garage-metrics-t0ken";
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

function harness(env: Record<string, string> = {}, secrets?: SecretReader) {
  let now = 1_000_000;
  const dependencies: WhiteboxDependencies = {
    http,
    state: createWhiteboxState(),
    credentials: createCredentialResolver({ mode: "local", env, ...(secrets ? { secrets } : {}) }),
    clock: () => now,
  };
  return {
    dependencies,
    advance: (seconds: number) => {
      now += seconds * 1000;
    },
  };
}

describe("white-box sources over real HTTP", () => {
  it("reads two LiveKit nodes with basic auth, one restarting between samples, over three cycles", async () => {
    let one: LivekitNode = livekitNode("ND_one", {
      rooms: 1,
      participants: 3,
      packetsIn: { initial: 1_000, retransmit: 0 },
      lossIn: { audio: 0, video: 10 },
      bytesIn: { initial: 100_000, retransmit: 0 },
      bytesOut: { initial: 200_000, retransmit: 0 },
      nacks: { incoming: 10, outgoing: 0 },
      webhooks: { success: 5, failure: 1 },
    });
    let two: LivekitNode = livekitNode("ND_two", {
      rooms: 2,
      participants: 4,
      packetsIn: { initial: 50_000, retransmit: 100 },
      lossIn: { audio: 100, video: 100 },
      bytesIn: { initial: 5_000_000, retransmit: 10_000 },
      bytesOut: { initial: 7_000_000, retransmit: 0 },
      nacks: { incoming: 500, outgoing: 20 },
      webhooks: { success: 50, failure: 0 },
    });
    const auth = basic("prometheus", LIVEKIT_PASSWORD);
    const nodeOne = await metricsServer(() => livekitPage(one), auth);
    const nodeTwo = await metricsServer(() => livekitPage(two), auth);
    const config = configOf({
      targets: {
        livekit: {
          url: "http://livekit.test:7880",
          metricsUrl: [`${nodeOne.url}/metrics`, `${nodeTwo.url}/metrics`],
          metricsBasicAuth: { username: "prometheus", password: { env: "LK_METRICS_PASSWORD" } },
        },
      },
    });
    const { dependencies, advance } = harness({ LK_METRICS_PASSWORD: LIVEKIT_PASSWORD });

    // Cycle 1: gauges at once; no rate without a previous sample.
    const first = await collectWhitebox(config, dependencies);
    expect(first?.sources.map((s) => [s.ok, s.httpStatus, s.firstSample])).toEqual([
      [true, 200, true],
      [true, 200, true],
    ]);
    expect(figureMap(first)).toEqual({ Rooms: 3, Participants: 7, PublishedTracks: 0, SubscribedTracks: 0 });
    expect(first?.missing.map((m) => [m.component, m.metric, m.reason])).toEqual(
      ["PacketLoss", "NackRate", "BytesIn", "BytesOut", "WebhookFailures"].map((metric) => [
        metric === "WebhookFailures" ? "recording" : "livekit",
        metric,
        "first sample: the rate starts with the next cycle",
      ]),
    );
    expect(nodeOne.seen[0]?.authorization).toBe(auth);
    expect(nodeOne.seen[0]?.accept).toMatch(/^text\/plain;version=0\.0\.4/);

    // Cycle 2, 60 s later: both nodes carry on.
    advance(60);
    one = { ...one, packetsIn: { initial: 7_000, retransmit: 0 }, lossIn: { audio: 30, video: 40 } };
    one = { ...one, nacks: { incoming: 70, outgoing: 0 }, webhooks: { success: 6, failure: 4 } };
    one = {
      ...one,
      bytesIn: { initial: 700_000, retransmit: 0 },
      bytesOut: { initial: 1_400_000, retransmit: 0 },
    };
    two = { ...two, packetsIn: { initial: 54_000, retransmit: 100 }, lossIn: { audio: 100, video: 100 } };
    two = { ...two, nacks: { incoming: 560, outgoing: 80 } };
    two = {
      ...two,
      bytesIn: { initial: 5_600_000, retransmit: 10_000 },
      bytesOut: { initial: 7_000_000, retransmit: 0 },
    };
    const second = figureMap(await collectWhitebox(config, dependencies));
    expect(second.PacketLoss).toBeCloseTo((100 * 60) / 10_000); // lost 60 of 6000 + 4000
    expect(second.NackRate).toBeCloseTo((60 + 60 + 60) / 60);
    expect(second.BytesIn).toBeCloseTo((600_000 + 600_000) / 60);
    expect(second.BytesOut).toBeCloseTo(1_200_000 / 60);
    expect(second.WebhookFailures).toBe(3);

    // Cycle 3, 30 s later: node two restarted (same node_id here), its counters start again.
    advance(30);
    one = { ...one, packetsIn: { initial: 8_000, retransmit: 0 }, lossIn: { audio: 30, video: 40 } };
    two = livekitNode("ND_two", {
      rooms: 1,
      participants: 1,
      packetsIn: { initial: 1_000, retransmit: 0 },
      lossIn: { audio: 20, video: 0 },
      nacks: { incoming: 15, outgoing: 0 },
      bytesIn: { initial: 90_000, retransmit: 0 },
      webhooks: { success: 0, failure: 2 },
    });
    const third = await collectWhitebox(config, dependencies);
    const values = figureMap(third);
    expect(values.Rooms).toBe(2);
    expect(values.PacketLoss).toBeCloseTo((100 * 20) / 2_000);
    // One: nacks unchanged; two: 15 (reset: the new value is the increase); outgoing 80 -> 0: reset to 0.
    expect(values.NackRate).toBeCloseTo(15 / 30);
    expect(values.BytesIn).toBeCloseTo(90_000 / 30);
    // One: 4 -> 4; two: its failure series is new while the node continues (LiveKit creates it at the
    // first failure), so its whole value counts: a first failure is not lost as a baseline.
    expect(values.WebhookFailures).toBe(2);
    expect(third?.sources[1]?.notes).toContain(
      "8 counter series reset since the last sample (process restarted)",
    );
    // Never a password or the encoded header in what is reported.
    const reported = JSON.stringify([first, third]);
    expect(reported).not.toContain(LIVEKIT_PASSWORD);
    expect(reported).not.toContain(auth.slice(6));
  });

  it("reads Garage in both spellings with a bearer token, keeping the fullest node", async () => {
    let requests = 1_000;
    let errors503 = 10;
    const plain = await metricsServer(
      () =>
        garagePage({
          prefixed: false,
          dataAvail: 400,
          dataTotal: 1_000,
          metaAvail: 5,
          metaTotal: 100,
          healthy: 1,
          requests: { GetObject: requests, PutObject: 100 },
          errors: { "GetObject 404": 3, "PutObject 503": errors503 },
        }),
      `Bearer ${GARAGE_TOKEN}`,
    );
    const prefixed = await metricsServer(
      () =>
        garagePage({
          prefixed: true,
          dataAvail: 100,
          dataTotal: 1_000,
          metaAvail: 90,
          metaTotal: 100,
          healthy: 1,
          requests: { GetObject: 10 },
          errors: {},
        }),
      `Bearer ${GARAGE_TOKEN}`,
    );
    const config = configOf({
      targets: {
        garage: {
          adminUrl: "http://garage.test:3903",
          metrics: {
            url: [`${plain.url}/metrics`, `${prefixed.url}/metrics`],
            token: { env: "GARAGE_TOKEN" },
          },
        },
      },
    });
    const { dependencies, advance } = harness({ GARAGE_TOKEN });
    const first = await collectWhitebox(config, dependencies);
    expect(figureMap(first)).toEqual({ DiskFreePercent: 10, ClusterHealthy: 1 });
    expect(first?.missing).toEqual([
      {
        component: "garage",
        metric: "S3ErrorRate",
        reason: "first sample: the rate starts with the next cycle",
      },
    ]);
    advance(60);
    requests += 380;
    errors503 += 4;
    const second = figureMap(await collectWhitebox(config, dependencies));
    expect(second.S3ErrorRate).toBeCloseTo((100 * 4) / 380);
    expect(plain.seen[0]?.authorization).toBe(`Bearer ${GARAGE_TOKEN}`);
  });

  it("scrapes <adminUrl>/metrics by default with the garage target's options, and not with metrics: false", async () => {
    const admin = await metricsServer(() =>
      garagePage({
        prefixed: true,
        dataAvail: 1,
        dataTotal: 4,
        metaAvail: 1,
        metaTotal: 1,
        healthy: 0,
        requests: {},
        errors: {},
      }),
    );
    const base = { adminUrl: `${admin.url}/prefix`, headers: { Host: "garage.internal" } };
    const config = configOf({ targets: { garage: base } });
    expect(sourceSpecs(config).map((spec) => spec.url.href)).toEqual([`${admin.url}/prefix/metrics`]);
    const report = await collectWhitebox(config, harness().dependencies);
    expect(figureMap(report)).toEqual({ DiskFreePercent: 25, ClusterHealthy: 0 });
    expect(admin.seen[0]?.host).toBe("garage.internal");
    expect(sourceSpecs(configOf({ targets: { garage: { ...base, metrics: false } } }))).toEqual([]);
  });

  it("computes the backend error rate from the real django-prometheus page", async () => {
    const real = readFileSync(`${SAMPLES_DIR}/django-prometheus-2.2.txt`, "utf8");
    let page = djangoPage({ "200": 0, "500": 0, "404": 0 });
    const django = await metricsServer(() => page);
    const config = configOf({
      targets: {
        backend: {
          url: "http://backend.test:8000",
          requests: { preset: "django-prometheus", url: `${django.url}/metrics` },
        },
      },
    });
    const { dependencies, advance } = harness();
    await collectWhitebox(config, dependencies);
    advance(50);
    page = real;
    const report = await collectWhitebox(config, dependencies);
    expect(figureMap(report)).toEqual({ ErrorRate: 1.5, RequestRate: 4 });
    expect(whiteboxDatums(report as WhiteboxReport, "ci")).toEqual([
      {
        name: "ErrorRate",
        unit: "Percent",
        value: 1.5,
        dimensions: [
          { name: "Component", value: "backend" },
          { name: "Vantage", value: "ci" },
        ],
      },
      {
        name: "RequestRate",
        unit: "Count/Second",
        value: 4,
        dimensions: [
          { name: "Component", value: "backend" },
          { name: "Vantage", value: "ci" },
        ],
      },
      {
        name: "SourceUp",
        unit: "None",
        value: 1,
        dimensions: [
          { name: "Component", value: "backend" },
          { name: "Vantage", value: "ci" },
        ],
      },
    ]);
  });

  it("bounds a source that hangs by its timeout, without holding back the others", async () => {
    const hung = await startHttpServer(() => undefined);
    servers.push(hung);
    const db = await metricsServer(() => readFileSync(`${SAMPLES_DIR}/postgres-exporter-0.11.txt`, "utf8"));
    const config = configOf({
      targets: {
        livekit: {
          url: "http://livekit.test",
          metricsUrl: `${hung.url}/metrics`,
          metrics: { timeoutMs: 300 },
        },
        database: { exporterUrl: `${db.url}/metrics` },
      },
    });
    const report = await collectWhitebox(config, harness().dependencies);
    expect(report?.sources.map((s) => [s.source, s.ok, s.reason])).toEqual([
      ["livekit", false, "timeout after 300 ms during waiting for response headers"],
      ["database", true, undefined],
    ]);
    expect(figureMap(report)).toEqual({ ConnectionsPercent: 12 });
    expect(report?.missing.find((m) => m.metric === "Rooms")?.reason).toBe("source could not be read");
    expect(sourceUp(report)).toEqual({ livekit: 0, database: 1 });
  });

  it("publishes SourceUp 0 for a component when any of its sources failed, 1 when all were read", async () => {
    const node = await metricsServer(() => livekitPage(livekitNode("ND_a", { rooms: 1, participants: 2 })));
    const admin = await metricsServer(() =>
      garagePage({
        prefixed: false,
        dataAvail: 3,
        dataTotal: 4,
        metaAvail: 1,
        metaTotal: 1,
        healthy: 1,
        requests: {},
        errors: {},
      }),
    );
    const refused = await closedPort();
    const config = configOf({
      targets: {
        livekit: {
          url: "http://livekit.test",
          // The failing node first: the outcome must not depend on which node was read last.
          metricsUrl: [`http://127.0.0.1:${refused}/metrics`, `${node.url}/metrics`],
        },
        garage: { adminUrl: admin.url },
      },
    });
    const report = await collectWhitebox(config, harness().dependencies);
    expect(report?.sources.map((s) => [s.source, s.ok])).toEqual([
      ["livekit", false],
      ["livekit", true],
      ["garage", true],
    ]);
    // The readable node's gauges are still published; the component is not fully read.
    expect(figureMap(report).Rooms).toBe(1);
    expect(sourceUp(report)).toEqual({ livekit: 0, garage: 1 });
  });

  it("reads the components the plan names, and only when their source is configured", () => {
    const configs: [Record<string, unknown>, string[]][] = [
      [{ garage: { adminUrl: "http://garage.test:3903" } }, ["garage"]],
      [{ garage: { adminUrl: "http://garage.test:3903", metrics: false } }, []],
      [
        {
          livekit: { url: "http://livekit.test", metricsUrl: "http://livekit.test:6789/metrics" },
          backend: {
            url: "http://backend.test",
            requests: { preset: "django-prometheus", url: "http://backend.test:8000/metrics" },
          },
          database: { exporterUrl: "http://pg.test:9187/metrics" },
        },
        ["livekit", "backend", "database"],
      ],
      [
        {
          backend: {
            url: "http://backend.test",
            requests: { preset: "alb", loadBalancer: "app/meet/50dc6c495c0c9188" },
          },
          database: { rdsInstanceId: "meet-db", maxConnections: 100 },
        },
        [],
      ],
    ];
    for (const [targets, components] of configs) {
      const config = configOf({ targets });
      expect([...new Set(sourceSpecs(config).map((spec) => spec.component))]).toEqual(components);
      expect(planConfig(config).sourceComponents).toEqual(components);
    }
  });

  it("reports what is wrong with an unusable answer, never the body", async () => {
    const port = await closedPort();
    const html = await startHttpServer((_req, res) =>
      sendText(res, 200, "<!doctype html><p>SPA</p>", "text/html"),
    );
    const huge = await startHttpServer((_req, res) =>
      sendText(res, 200, "x 1\n".repeat(MAX_SCRAPE_BYTES / 4 + 10)),
    );
    const broken = await startHttpServer((_req, res) => sendText(res, 200, 'ok 1\nm{a="secret-ish} 1\n'));
    const missing = await startHttpServer((_req, res) => sendText(res, 404, "Not Found"));
    const wrong = await startHttpServer((_req, res) => sendText(res, 200, "go_goroutines 1\n"));
    servers.push(html, huge, broken, missing, wrong);
    const config = configOf({
      targets: {
        livekit: {
          url: "http://livekit.test",
          metricsUrl: [
            `http://127.0.0.1:${port}/metrics`,
            `${html.url}/metrics`,
            `${huge.url}/metrics`,
            `${broken.url}/metrics`,
            `${missing.url}/metrics`,
            `${wrong.url}/metrics`,
          ],
        },
      },
    });
    const report = await collectWhitebox(config, harness().dependencies);
    expect(report?.sources.map((s) => s.reason)).toEqual([
      "connection refused (nothing listening on that port)",
      "got HTML, not a Prometheus metrics page: check the URL",
      "metrics page larger than 8 MiB: not read",
      "not a valid Prometheus text page: line 2: unterminated value of label a in m",
      "HTTP 404, expected 200 and a metrics page",
      "no livekit_room_total in the page: not LiveKit's Prometheus endpoint (prometheus.port, commonly 6789)",
    ]);
    expect(report?.figures).toEqual([]);
    expect(report?.missing.find((m) => m.metric === "Rooms")?.reason).toBe(
      "none of the 6 sources could be read",
    );
  });

  it("shows label values, content types and type names from a page printable, short and on one line", async () => {
    const hostile = `\u001b[2J\u001b[32mdb ok\\nforged: line${"x".repeat(300)}`;
    const exporter = await startHttpServer((_req, res) =>
      sendText(
        res,
        200,
        [
          `pg_settings_max_connections{server="${hostile}"} 100`,
          'pg_settings_max_connections{server="other:5432"} 100',
          'pg_settings_max_connections{server="\u00e9\u0007lone"} 100',
          `pg_stat_activity_count{datname="meet",server="${hostile}",state="idle"} 40`,
          'pg_stat_activity_count{datname="meet",server="other:5432",state="idle"} 10',
          "",
        ].join("\n"),
      ),
    );
    const protobuf = await startHttpServer((_req, res) =>
      sendText(res, 200, "x", `application/vnd.google.protobuf; proto=${"p".repeat(200)}\u00e9`),
    );
    const badType = await startHttpServer((_req, res) =>
      sendText(res, 200, "# TYPE livekit_room_total \u001b[2Jgauge\u00ff\nlivekit_room_total 1\n"),
    );
    servers.push(exporter, protobuf, badType);
    const report = await collectWhitebox(
      configOf({
        targets: {
          database: { exporterUrl: `${exporter.url}/metrics` },
          livekit: {
            url: "http://livekit.test",
            metricsUrl: [`${protobuf.url}/metrics`, `${badType.url}/metrics`],
          },
        },
      }),
      harness().dependencies,
    );
    const database = report?.sources.find((source) => source.source === "database");
    const texts = [
      ...(database?.notes ?? []),
      ...(report?.sources.map((source) => source.reason ?? "") ?? []),
    ];
    for (const text of texts) expect(text).toMatch(/^[\x20-\x7e]*$/);
    expect(database?.notes).toEqual([
      'server "\\u00e9\\x07lone": max_connections but no pg_stat_activity_count',
      expect.stringMatching(
        /^3 servers; the highest \(server "\\x1b\[2J\\x1b\[32mdb ok\\nforged: linex+\.\.\."\) is published$/,
      ),
    ]);
    expect(database?.notes?.[1]?.length).toBeLessThan(140);
    const livekit = report?.sources.filter((source) => source.source === "livekit").map((s) => s.reason);
    expect(livekit?.[0]).toMatch(
      /^got application\/vnd\.google\.protobuf; proto=p+\.\.\., expected the text format$/,
    );
    expect(livekit?.[0]?.length).toBeLessThan(120);
    expect(livekit?.[1]).toBe(
      'not a valid Prometheus text page: line 1: unknown metric type "\\x1b[2Jgauge\\u00ff"',
    );
  });

  it("fails a source whose credential is missing, and says where it looked", async () => {
    const node = await metricsServer(() => livekitPage(livekitNode("ND_one")), basic("u", "p"));
    const config = configOf({
      targets: {
        livekit: {
          url: "http://livekit.test",
          metricsUrl: `${node.url}/metrics`,
          metricsBasicAuth: { username: "u", password: { env: "NOT_SET_ANYWHERE", file: "/nonexistent/pw" } },
        },
      },
    });
    const report = await collectWhitebox(config, harness().dependencies);
    expect(report?.sources[0]?.reason).toBe(
      "targets.livekit.metricsBasicAuth.password: no value found: environment variable NOT_SET_ANYWHERE is not set; cannot read file /nonexistent/pw (no such file)",
    );
    expect(node.seen).toHaveLength(0);
  });

  it("reads a Secrets Manager credential once, and again after the server refused it", async () => {
    let current = "old-password";
    let reads = 0;
    const secrets: SecretReader = {
      read: async () => {
        reads++;
        return JSON.stringify({ username: "prometheus", password: current });
      },
    };
    let accepted = "old-password";
    const node = await startHttpServer((req, res) => {
      if (req.headers.authorization !== basic("prometheus", accepted)) return sendText(res, 401, "no");
      sendText(res, 200, livekitPage(livekitNode("ND_one")));
    });
    servers.push(node);
    const config = configOf({
      targets: {
        livekit: {
          url: "http://livekit.test",
          metricsUrl: `${node.url}/metrics`,
          metricsBasicAuth: {
            username: "prometheus",
            password: {
              secretArn: "arn:aws:secretsmanager:eu-west-3:123456789012:secret:meet/livekit-AbCdEf",
              secretJsonKey: "password",
            },
          },
        },
      },
    });
    const { dependencies } = harness({}, secrets);
    expect((await collectWhitebox(config, dependencies))?.sources[0]?.ok).toBe(true);
    expect((await collectWhitebox(config, dependencies))?.sources[0]?.ok).toBe(true);
    expect(reads).toBe(1);
    // The secret is rotated: the cached value is refused once, then read again.
    accepted = "new-password";
    current = "new-password";
    const refused = await collectWhitebox(config, dependencies);
    expect(refused?.sources[0]).toMatchObject({
      ok: false,
      httpStatus: 401,
      reason: "HTTP 401: the endpoint refused the credentials",
    });
    expect((await collectWhitebox(config, dependencies))?.sources[0]?.ok).toBe(true);
    expect(reads).toBe(2);
    expect(JSON.stringify(refused)).not.toMatch(/old-password|new-password/);
  });

  it("survives an HTTP port that throws or never answers (the watchdog ends the source)", async () => {
    const config = configOf({
      targets: {
        livekit: {
          url: "http://livekit.test",
          metricsUrl: ["http://throws.test/metrics", "http://hangs.test/metrics"],
          metrics: { timeoutMs: 100 },
        },
      },
    });
    const misbehaving: WhiteboxDependencies = {
      ...harness().dependencies,
      http: {
        get: (request) =>
          request.url.hostname === "throws.test"
            ? Promise.reject(new Error("boom"))
            : new Promise(() => undefined),
        send: () => Promise.reject(new Error("a scrape only GETs")),
      },
    };
    const report = await collectWhitebox(config, misbehaving);
    expect(report?.sources.map((s) => s.reason)).toEqual([
      "probe error: boom",
      "did not finish within its 2100 ms budget (monitor fault)",
    ]);
  });

  it("sends configured headers, the credential replacing a configured Authorization", async () => {
    const node = await metricsServer(() => livekitPage(livekitNode("ND_one")), basic("u", LIVEKIT_PASSWORD));
    const config = configOf({
      targets: {
        livekit: {
          url: "http://livekit.test",
          metricsUrl: `${node.url}/metrics`,
          metricsBasicAuth: { username: "u", password: { env: "PW" } },
          metrics: { headers: { Authorization: "Bearer stale", Accept: "text/plain", "X-Scope": "meet" } },
        },
      },
    });
    const report = await collectWhitebox(config, harness({ PW: LIVEKIT_PASSWORD }).dependencies);
    expect(report?.sources[0]?.ok).toBe(true);
    expect(node.seen[0]).toMatchObject({
      authorization: basic("u", LIVEKIT_PASSWORD),
      accept: "text/plain",
      "x-scope": "meet",
    });
  });

  it("returns undefined when no source is configured (ALB and RDS are CloudWatch-only)", async () => {
    const config = configOf({
      targets: {
        backend: {
          url: "http://backend.test",
          requests: { preset: "alb", loadBalancer: "app/meet/50dc6c495c0c9188" },
        },
        database: { rdsInstanceId: "meet-db", maxConnections: 100 },
      },
    });
    expect(await collectWhitebox(config, harness().dependencies)).toBeUndefined();
  });
});
