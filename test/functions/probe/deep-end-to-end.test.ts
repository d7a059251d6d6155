/**
 * The deep checks end to end: the CLI's table and JSON, --publish through the real CloudWatch
 * client to a local endpoint, and the Lambda handler's log lines, against the LiveKit stand-in,
 * a real coturn, the Meet backend stand-in and the S3 stand-in; then every secret involved
 * (API secret, S3 secret key, every token, TURN credentials) searched for in all of that output.
 * Needs `apt-get install -y coturn` (.ci/run installs it): without it the tests fail under CI
 * and are skipped, saying so, elsewhere.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCloudWatchPublisher } from "../../../functions/probe/adapters/cloudwatch.ts";
import { createNodeHttp } from "../../../functions/probe/adapters/node-http.ts";
import { createStunSocketPort } from "../../../functions/probe/adapters/stun-socket.ts";
import { createWebSocketPort } from "../../../functions/probe/adapters/websocket.ts";
import { EXIT, runCli } from "../../../functions/probe/cli.ts";
import { createCredentialResolver } from "../../../functions/probe/credentials.ts";
import { createHandler } from "../../../functions/probe/handler.ts";
import { loadConfigFileOrThrow } from "../../../functions/shared/config/file.ts";
import { type CloudWatchEndpoint, startCloudWatchEndpoint } from "../../../support/cloudwatch-endpoint.ts";
import {
  COTURN_INSTALL_HINT,
  coturnMissing,
  type RunningCoturn,
  startCoturn,
} from "../../../support/coturn.ts";
import { type RunningLivekit, startLivekitStandin } from "../../../support/livekit.ts";
import { type RunningMeetBackend, startMeetBackend } from "../../../support/meet-backend.ts";
import { type RunningS3, startS3Standin } from "../../../support/s3.ts";
import { loopbackLookup } from "../../../support/servers.ts";

const missing = coturnMissing();
if (missing && !process.env.CI) console.warn(`Skipping the deep end-to-end tests: ${missing} not installed`);

const API_KEY = "APIe2emonitor";
const API_SECRET = "e2e-livekit-api-secret-0123456789";
const S3_KEY = "GKe2e0123456789";
const S3_SECRET = "e2e-s3-secret-access-key-0123456789";
const TURN_USER = "e2e-turn-username-0123";
const TURN_PASSWORD = "e2e-turn-password-0123456789";
const ENV = { E2E_LIVEKIT_SECRET: API_SECRET, E2E_S3_SECRET: S3_SECRET };

describe.skipIf(missing !== undefined && !process.env.CI)("deep checks end to end", () => {
  let dir: string;
  let coturn: RunningCoturn;
  let livekit: RunningLivekit;
  let backend: RunningMeetBackend;
  let s3: RunningS3;
  let endpoint: CloudWatchEndpoint;
  /** Everything the monitor printed, logged or published, for the secrets test at the end. */
  const outputs: string[] = [];

  beforeAll(async () => {
    if (missing) throw new Error(`${missing} not installed: ${COTURN_INSTALL_HINT} (CI must have it)`);
    dir = await mkdtemp(join(tmpdir(), "meet-deep-"));
    coturn = await startCoturn({ username: TURN_USER, password: TURN_PASSWORD });
    livekit = await startLivekitStandin({
      keys: { [API_KEY]: API_SECRET },
      iceServers: [
        {
          urls: [
            `turn:127.0.0.1:${coturn.port}?transport=udp`,
            `turn:127.0.0.1:${coturn.port}?transport=tcp`,
          ],
          username: TURN_USER,
          credential: TURN_PASSWORD,
        },
      ],
    });
    backend = await startMeetBackend({ apiKey: API_KEY, apiSecret: API_SECRET, connectionTest: true });
    s3 = await startS3Standin({
      buckets: ["meet-recordings"],
      keys: { [S3_KEY]: { secretAccessKey: S3_SECRET, buckets: ["meet-recordings"] } },
    });
    endpoint = await startCloudWatchEndpoint();
  }, 30_000);
  afterAll(async () => {
    await Promise.all([livekit?.close(), backend?.close(), s3?.close(), endpoint?.close(), coturn?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function writeConfig(
    overrides: { s3Secret?: string; connectionTest?: boolean } = {},
  ): Promise<string> {
    const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    const connectionTest = overrides.connectionTest === true;
    await writeFile(
      path,
      JSON.stringify({
        vantage: "e2e",
        probe: { retryDelayMs: 0, timeoutMs: 3000 },
        targets: {
          backend: { url: backend.url, webhook: true, ...(connectionTest ? { connectionTest: true } : {}) },
          livekit: {
            url: livekit.url,
            apiKey: API_KEY,
            apiSecret: {
              env: "E2E_LIVEKIT_SECRET",
              secretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:lk",
            },
          },
          garage: {
            adminUrl: "http://garage.test:3903",
            metrics: false,
            s3: {
              endpoint: s3.url,
              bucket: "meet-recordings",
              accessKeyId: S3_KEY,
              secretAccessKey: { env: overrides.s3Secret ?? "E2E_S3_SECRET" },
            },
          },
        },
      }),
    );
    return path;
  }

  const ports = () => ({
    http: createNodeHttp({ lookup: loopbackLookup }),
    webSocket: createWebSocketPort({ lookup: loopbackLookup }),
    stun: createStunSocketPort({ lookup: loopbackLookup }),
  });

  async function cli(args: string[], env: Record<string, string> = ENV) {
    let stdout = "";
    let stderr = "";
    const code = await runCli(
      args,
      { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) },
      {
        ...ports(),
        publisher: createCloudWatchPublisher({ client: endpoint.client() }),
        credentials: createCredentialResolver({ mode: "local", env }),
      },
    );
    outputs.push(stdout, stderr);
    return { code, stdout, stderr };
  }

  it("shows the new rows in the CLI's table, each check up", async () => {
    const { code, stdout } = await cli(["--config", await writeConfig()]);
    expect(stdout).toMatch(/^livekit\s+join\s+UP\s+101\s/m);
    expect(stdout).toMatch(/^livekit\s+turn-udp\s+UP\s+-\s/m);
    expect(stdout).toMatch(/^livekit\s+turn-tcp\s+UP\s+-\s/m);
    expect(stdout).toMatch(/^backend\s+webhook\s+UP\s+200\s/m);
    expect(stdout).toMatch(/^garage\s+s3\s+UP\s+-\s/m);
    expect(stdout).toContain(
      "livekit/turn-tls: not checked: the join response lists no TURN server over TLS (turns:)",
    );
    expect(stdout).toMatch(
      /livekit\/join: room connection-test-monitor-e2e-[0-9a-f]{8}, serverVersion 1\.13\.5/,
    );
    expect(stdout).toMatch(/SignalPingRtt [\d.]+ms/);
    // The Garage admin API is not running: only its health check is down.
    expect(stdout).toMatch(/^garage\s+health\s+DOWN/m);
    expect(code).toBe(EXIT.down);
  });

  it("publishes Up and Latency of every deep check with Component, Check and Vantage", async () => {
    endpoint.requests.length = 0;
    const { stderr } = await cli(["--config", await writeConfig(), "--publish"]);
    expect(stderr).toMatch(/^published \d+ datums/);
    const datums = endpoint.datums();
    const dims = (name: string, check: string) =>
      datums.find(
        (datum) =>
          datum.MetricName === name && datum.Dimensions?.some((d) => d.Name === "Check" && d.Value === check),
      )?.Dimensions;
    for (const [component, check] of [
      ["livekit", "join"],
      ["livekit", "turn-udp"],
      ["livekit", "turn-tcp"],
      ["backend", "webhook"],
      ["garage", "s3"],
    ]) {
      for (const name of ["Up", "Latency"]) {
        expect(dims(name, check ?? "")).toEqual([
          { Name: "Component", Value: component },
          { Name: "Check", Value: check },
          { Name: "Vantage", Value: "e2e" },
        ]);
      }
    }
    expect(dims("Up", "turn-tls")).toBeUndefined();
    // Phase timings: the join's only; the other deep checks are pass/fail (their custom metrics cost).
    expect(dims("ConnectTime", "join")).toBeDefined();
    for (const check of ["turn-tcp", "webhook", "s3"])
      expect(dims("ConnectTime", check), check).toBeUndefined();
    expect(dims("SignalPingRtt", "join")).toBeDefined();
    expect(datums.find((datum) => datum.MetricName === "TurnRelayUp")).toMatchObject({
      Value: 1,
      Dimensions: [
        { Name: "Component", Value: "livekit" },
        { Name: "Vantage", Value: "e2e" },
      ],
    });
    outputs.push(JSON.stringify(endpoint.requests));
  });

  it("writes the deep checks' reasons and facts to --json and the handler's log lines", async () => {
    const { stdout } = await cli(["--config", await writeConfig({ s3Secret: "E2E_WRONG_S3" }), "--json"], {
      ...ENV,
      E2E_WRONG_S3: "a-wrong-s3-secret-0123456789",
    });
    const json = JSON.parse(stdout.trim());
    const s3Result = json.checks.find((check: { check: string }) => check.check === "s3");
    expect(s3Result.reason).toBe(
      "PUT: HTTP 403 SignatureDoesNotMatch (the secret access key is wrong), expected 200",
    );
    expect(json.skipped).toEqual([
      expect.objectContaining({ check: "turn-tls", reason: expect.stringMatching(/^not checked/) }),
    ]);

    const records: Record<string, unknown>[] = [];
    const lines: string[] = [];
    const config = await loadConfigFileOrThrow(await writeConfig({ connectionTest: true }));
    const handler = createHandler({
      loadConfig: async () => config,
      ...ports(),
      publisher: createCloudWatchPublisher({ client: endpoint.client() }),
      log: (record) => records.push(record),
      writeLine: (line) => lines.push(line),
      env: {},
      credentials: createCredentialResolver({ mode: "local", env: ENV }),
    });
    await handler();
    const join = records.find((record) => record.message === "check" && record.check === "join");
    expect(join).toMatchObject({
      status: "up",
      info: { serverVersion: "1.13.5", serverRegion: "standin-region" },
    });
    expect(records.find((record) => record.message === "check skipped")).toMatchObject({
      component: "livekit",
      check: "turn-tls",
    });
    outputs.push(JSON.stringify(records), ...lines, stdout);
  });

  it("never shows a secret: API secret, S3 secret key, tokens, TURN credentials", async () => {
    // The failure paths too: LiveKit refuses the monitor's secret, the TURN password is wrong.
    const wrongSecret = "a-wrong-livekit-secret-0123456789";
    livekit.iceServers = [
      {
        urls: [`turn:127.0.0.1:${coturn.port}?transport=tcp`],
        username: TURN_USER,
        credential: `${TURN_PASSWORD}x`,
      },
    ];
    await cli(["--config", await writeConfig(), "--json", "--publish"], {
      ...ENV,
      E2E_LIVEKIT_SECRET: wrongSecret,
    });
    const secrets = [
      API_SECRET,
      wrongSecret,
      S3_SECRET,
      TURN_USER,
      TURN_PASSWORD,
      ...livekit.tokens,
      ...backend.secretsSeen,
    ];
    expect(livekit.tokens.length).toBeGreaterThan(3);
    expect(backend.secretsSeen.length).toBeGreaterThan(3);
    const text = [...outputs, JSON.stringify(endpoint.requests)].join("\n");
    expect(text.length).toBeGreaterThan(10_000);
    for (const secret of secrets)
      expect(text.includes(secret), `a secret of ${secret.length} characters leaked`).toBe(false);
  });
});
