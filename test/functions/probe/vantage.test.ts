/**
 * A probe as one of several vantages: the `essential` detail, a probe that leaves the white-box
 * sources to another vantage, and one that publishes to the home region's CloudWatch.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ScheduledEvent } from "aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createCloudWatchPublisher } from "../../../functions/probe/adapters/cloudwatch.ts";
import { createNodeHttp } from "../../../functions/probe/adapters/node-http.ts";
import type { CheckResult } from "../../../functions/probe/cycle.ts";
import { checkDatums } from "../../../functions/probe/datums.ts";
import { createHandler } from "../../../functions/probe/handler.ts";
import {
  bundledConfigText,
  CONFIG_FILE_NAME,
  METRICS_REGION_ENV,
  WHITEBOX_ENV,
} from "../../../functions/shared/config/bundled.ts";
import { type MonitorConfig, parseConfig } from "../../../functions/shared/config/index.ts";
import { type CloudWatchEndpoint, startCloudWatchEndpoint } from "../../../support/cloudwatch-endpoint.ts";
import { type RunningServer, sendJson, sendText, startHttpServer } from "../../../support/servers.ts";

const event = {
  version: "0",
  id: "1",
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: "123456789012",
  time: "2026-11-26T12:00:00Z",
  region: "us-east-1",
  resources: [],
  detail: {},
} satisfies ScheduledEvent;

const LIVEKIT_METRICS = [
  "# TYPE livekit_room_total gauge",
  'livekit_room_total{node_id="a"} 3',
  "# TYPE livekit_participant_total gauge",
  'livekit_participant_total{node_id="a"} 7',
  "",
].join("\n");

let server: RunningServer;
let scrapes = 0;
let endpoint: CloudWatchEndpoint;
let dir: string;
beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    if (req.url === "/metrics") {
      scrapes++;
      return sendText(res, 200, LIVEKIT_METRICS);
    }
    if (req.url === "/__heartbeat__") return sendJson(res, 200, { status: "ok" });
    sendText(res, 200, "OK");
  });
  endpoint = await startCloudWatchEndpoint();
  dir = await mkdtemp(join(tmpdir(), "meet-vantage-"));
});
afterAll(async () => {
  await Promise.all([server.close(), endpoint.close()]);
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  endpoint.requests.length = 0;
  scrapes = 0;
});

function configFor(extra: Record<string, unknown> = {}): MonitorConfig {
  const result = parseConfig({
    probe: { retryDelayMs: 0, timeoutMs: 1000 },
    targets: {
      backend: { url: server.url },
      livekit: { url: server.url, metricsUrl: `${server.url}/metrics` },
    },
    ...extra,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

function handlerWith(config: MonitorConfig, env: Record<string, string>) {
  return createHandler({
    loadConfig: async () => config,
    http: createNodeHttp(),
    publisher: createCloudWatchPublisher({ client: endpoint.client() }),
    log: () => {},
    writeLine: () => {},
    env: { AWS_REGION: "us-east-1", ...env },
  });
}

const names = () => [...new Set(endpoint.datums().map((datum) => datum.MetricName))].sort();

describe("metrics.detail", () => {
  const result: CheckResult = {
    component: "livekit",
    check: "health",
    url: "https://livekit.example.org/",
    status: "up",
    attempts: 1,
    timings: { totalMs: 30, dnsMs: 1, connectMs: 2, tlsMs: 20, ttfbMs: 5 },
    certDaysLeft: 40,
  };

  it("essential keeps Up, Latency and CertDaysLeft and leaves the phase timings to the logs", () => {
    expect(checkDatums(result, "us-east-1", "essential").map((datum) => datum.name)).toEqual([
      "Up",
      "Latency",
      "CertDaysLeft",
    ]);
    expect(checkDatums(result, "us-east-1").map((datum) => datum.name)).toEqual([
      "Up",
      "Latency",
      "DnsTime",
      "ConnectTime",
      "TlsTime",
      "Ttfb",
      "CertDaysLeft",
    ]);
    const garage = { ...result, component: "garage", status: "degraded" } as const;
    expect(checkDatums(garage, "us-east-1", "essential").map((datum) => datum.name)).toEqual([
      "Up",
      "Latency",
      "CertDaysLeft",
      "Degraded",
    ]);
  });

  it("is applied by the probe: an essential vantage publishes no phase, the white-box figures still", async () => {
    await handlerWith(configFor({ metrics: { detail: "essential" } }), {})(event);
    expect(names()).toEqual([
      "Latency",
      "MonitorHeartbeat",
      "Participants",
      "PublishedTracks",
      "Rooms",
      "SourceUp",
      "SubscribedTracks",
      "Up",
    ]);
  });
});

describe("a vantage that leaves the white-box sources to another one", () => {
  it("reads no source and publishes no figure when MEET_MONITOR_WHITEBOX is off", async () => {
    const result = await handlerWith(configFor(), { [WHITEBOX_ENV]: "off" })(event);
    expect(result).toMatchObject({ vantage: "us-east-1", up: 2, published: true });
    expect(scrapes).toBe(0);
    expect(names()).not.toContain("SourceUp");
    expect(names()).not.toContain("Rooms");
    expect(names()).toContain("Up");
  });

  it("reads them otherwise", async () => {
    await handlerWith(configFor(), {})(event);
    expect(scrapes).toBe(1);
    expect(names()).toContain("Rooms");
  });
});

describe("a vantage in another region than home", () => {
  it("publishes to the region MEET_MONITOR_METRICS_REGION names, with its own region as Vantage", async () => {
    const parsed = parseConfig({
      targets: { backend: { url: server.url } },
      metrics: { detail: "essential" },
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const { namespace, probe, targets, metrics } = parsed.config;
    // As the CDK app bundles it (infra's lambdaConfig): validated, marked with the format.
    await writeFile(join(dir, CONFIG_FILE_NAME), bundledConfigText({ namespace, probe, targets, metrics }));
    const saved = { ...process.env };
    Object.assign(process.env, {
      LAMBDA_TASK_ROOT: dir,
      AWS_ENDPOINT_URL_CLOUDWATCH: endpoint.url,
      AWS_REGION: "us-east-1",
      [METRICS_REGION_ENV]: "eu-west-3",
      AWS_ACCESS_KEY_ID: "AKIDLAMBDA",
      AWS_SECRET_ACCESS_KEY: "lambda-secret",
    });
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      // The default handler reads its environment when the module loads, as in a Lambda container.
      vi.resetModules();
      const { handler } = await import("../../../functions/probe/handler.ts");
      await expect(handler(event)).resolves.toMatchObject({ vantage: "us-east-1", published: true });
      expect(endpoint.requests.map((request) => request.region)).toEqual(["eu-west-3"]);
      const vantages = endpoint
        .datums()
        .flatMap((datum) => (datum.Dimensions ?? []).filter((d) => d.Name === "Vantage").map((d) => d.Value));
      expect(new Set(vantages)).toEqual(new Set(["us-east-1"]));
    } finally {
      write.mockRestore();
      process.env = saved;
    }
  });
});
