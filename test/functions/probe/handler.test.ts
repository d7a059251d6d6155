import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ScheduledEvent } from "aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createCloudWatchPublisher } from "../../../functions/probe/adapters/cloudwatch.ts";
import { createNodeHttp } from "../../../functions/probe/adapters/node-http.ts";
import { createHandler, type HandlerDependencies } from "../../../functions/probe/handler.ts";
import { bundledConfigText } from "../../../functions/shared/config/bundled.ts";
import { type MonitorConfig, parseConfig } from "../../../functions/shared/config/index.ts";
import { type CloudWatchEndpoint, startCloudWatchEndpoint } from "../../../support/cloudwatch-endpoint.ts";
import {
  loopbackLookup,
  type RunningServer,
  sendJson,
  sendText,
  startHttpServer,
} from "../../../support/servers.ts";

const SECRET = "Bearer s3cr3t-token-value";
const event = {
  version: "0",
  id: "1",
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: "123456789012",
  time: "2026-11-26T12:00:00Z",
  region: "eu-west-3",
  resources: [],
  detail: {},
} satisfies ScheduledEvent;

let backend: RunningServer;
let endpoint: CloudWatchEndpoint;
let dir: string;
beforeAll(async () => {
  backend = await startHttpServer((req, res) => {
    if (req.headers.authorization !== SECRET) return sendJson(res, 401, { status: "error" });
    if (req.url === "/__heartbeat__") return sendJson(res, 200, { status: "ok" });
    sendText(res, 404, "not found");
  });
  endpoint = await startCloudWatchEndpoint();
  dir = await mkdtemp(join(tmpdir(), "meet-handler-"));
});
afterAll(async () => {
  await Promise.all([backend.close(), endpoint.close()]);
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  endpoint.requests.length = 0;
  endpoint.failAlways(undefined);
});

function configFor(extra: Record<string, unknown> = {}): MonitorConfig {
  const result = parseConfig({
    probe: { retryDelayMs: 0, timeoutMs: 1000 },
    targets: {
      backend: { url: backend.url, headers: { Authorization: SECRET } },
      livekit: { url: "http://127.0.0.1:9/" },
    },
    ...extra,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

function harness(overrides: Partial<HandlerDependencies> = {}) {
  const logs: Record<string, unknown>[] = [];
  const lines: string[] = [];
  const loadConfig = vi.fn(async () => configFor());
  const handler = createHandler({
    loadConfig,
    http: createNodeHttp({ lookup: loopbackLookup }),
    publisher: createCloudWatchPublisher({ client: endpoint.client() }),
    log: (record) => logs.push(record),
    writeLine: (line) => lines.push(line),
    env: { AWS_REGION: "eu-west-3" },
    ...overrides,
  });
  return { handler, logs, lines, loadConfig };
}

describe("Lambda handler", () => {
  it("runs a cycle, logs one line per check and a summary, and publishes", async () => {
    const { handler, logs } = harness();
    const result = await handler(event);
    expect(result).toEqual({
      vantage: "eu-west-3",
      up: 1,
      down: 1,
      published: true,
      durationMs: expect.any(Number),
    });
    expect(logs.map((record) => [record.message, record.component, record.status])).toEqual([
      ["check", "backend", "up"],
      ["check", "livekit", "down"],
      ["cycle", undefined, undefined],
    ]);
    expect(logs[1]).toMatchObject({
      level: "WARN",
      up: false,
      reason: "connection refused (nothing listening on that port)",
    });
    const upDatums = endpoint.datums().filter((d) => d.MetricName === "Up");
    expect(upDatums.map((d) => [d.Dimensions?.[0]?.Value, d.Dimensions?.[2]?.Value, d.Value])).toEqual([
      ["backend", "eu-west-3", 1],
      ["livekit", "eu-west-3", 0],
    ]);
  });

  it("never logs a header value or a response body", async () => {
    const { handler, logs } = harness();
    await handler(event);
    const text = JSON.stringify(logs);
    expect(text).not.toContain("s3cr3t");
    expect(text).not.toContain('"status":"ok"');
  });

  it("loads the configuration once per container", async () => {
    const { handler, loadConfig } = harness();
    await handler(event);
    await handler(event);
    expect(loadConfig).toHaveBeenCalledTimes(1);
  });

  it("uses the configured vantage over the region", async () => {
    const { handler } = harness({ loadConfig: async () => configFor({ vantage: "paris-office" }) });
    expect((await handler(event)).vantage).toBe("paris-office");
  });

  it("throws after writing EMF when publishing fails, so the invocation reports it", async () => {
    endpoint.failAlways(503);
    const { handler, lines, logs } = harness();
    await expect(handler(event)).rejects.toThrow(
      /PutMetricData failed: .*the datums were written to the log as EMF/,
    );
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some((line) => line.includes('"MonitorHeartbeat":1'))).toBe(true);
    expect(logs.at(-1)).toMatchObject({ level: "ERROR", message: "cycle", publish: { ok: false } });
  });

  it("reports a broken configuration as an invocation error and retries loading next time", async () => {
    let attempts = 0;
    const { handler } = harness({
      loadConfig: async () => {
        attempts++;
        if (attempts === 1) throw new Error("config: 1 problem");
        return configFor();
      },
    });
    await expect(handler(event)).rejects.toThrow("config: 1 problem");
    await expect(handler(event)).resolves.toMatchObject({ up: 1 });
  });

  it("the default export reads its bundled config file and the standard AWS environment, and refuses a file the CDK app did not write", async () => {
    const configPath = join(dir, "monitor-config.json");
    const operatorFile = { vantage: "lambda-test", targets: { backend: { url: backend.url } } };
    const parsed = parseConfig(operatorFile);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const { namespace, vantage, probe, targets } = parsed.config;
    await writeFile(configPath, JSON.stringify(operatorFile));
    const saved = { ...process.env };
    Object.assign(process.env, {
      LAMBDA_TASK_ROOT: dir,
      AWS_ENDPOINT_URL_CLOUDWATCH: endpoint.url,
      AWS_REGION: "eu-west-3",
      AWS_ACCESS_KEY_ID: "AKIDLAMBDA",
      AWS_SECRET_ACCESS_KEY: "lambda-secret",
    });
    const written: string[] = [];
    const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const { handler } = await import("../../../functions/probe/handler.ts");
      await expect(handler(event)).rejects.toThrow(
        `${configPath}: not a configuration written by this version of the monitor's CDK app: no format marker`,
      );
      await writeFile(configPath, bundledConfigText({ namespace, vantage, probe, targets }));
      const result = await handler(event);
      expect(result).toMatchObject({ vantage: "lambda-test", published: true, down: 1 });
      expect(endpoint.requests).toHaveLength(1);
      expect(written.map((line) => JSON.parse(line).message)).toEqual(["check", "cycle"]);
    } finally {
      write.mockRestore();
      process.env = saved;
    }
  });
});
