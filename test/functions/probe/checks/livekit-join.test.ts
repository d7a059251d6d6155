/** `livekit` / `join` against the LiveKit signal stand-in (real protobuf over a real WebSocket). */
import { describe, expect, it } from "vitest";
import { TestCa } from "../../../../support/certs.ts";
import { startLivekitStandin } from "../../../../support/livekit.ts";
import { API_KEY, API_SECRET, cycle, deepConfig, resultOf, track } from "./deep-harness.ts";

const KEYS = { [API_KEY]: API_SECRET };
const apiSecret = { env: "LIVEKIT_SECRET" };

describe("LiveKit join", () => {
  it("joins, pings, leaves: up, with the server's version and the ping round trip", async () => {
    const livekit = track(await startLivekitStandin({ keys: KEYS }));
    const report = await cycle(deepConfig({ livekit: { url: livekit.url, apiKey: API_KEY, apiSecret } }));
    const join = resultOf(report, "join");
    expect(join).toMatchObject({ component: "livekit", status: "up", attempts: 1, httpStatus: 101 });
    expect(join.url).toBe(`${livekit.signalUrl}/rtc`);
    expect(join.info).toMatchObject({ serverVersion: "1.13.5", serverRegion: "standin-region" });
    expect(join.measurements?.SignalPingRtt).toBeGreaterThan(0);
    expect(join.timings.totalMs).toBeGreaterThan(0);
    const [record] = livekit.joins;
    expect(record?.room).toMatch(/^connection-test-monitor-test-[0-9a-f]{8}$/);
    expect(record?.query).toEqual({ auto_subscribe: "0", sdk: "js", version: "2.21.0", protocol: "17" });
    expect(record?.grants).toMatchObject({
      roomJoin: true,
      hidden: true,
      canPublish: false,
      canSubscribe: false,
    });
    expect(record?.ttlSeconds).toBe(60);
    expect(record?.pings).toBe(1);
    expect(record?.left).toBe(true);
  });
});

describe("LiveKit join failures, each named", () => {
  it("says the token was refused on HTTP 401 at the upgrade, never quoting it", async () => {
    const livekit = track(await startLivekitStandin({ keys: { [API_KEY]: "another-secret-entirely" } }));
    const report = await cycle(deepConfig({ livekit: { url: livekit.url, apiKey: API_KEY, apiSecret } }));
    const join = resultOf(report, "join");
    expect(join).toMatchObject({ status: "down", attempts: 2, httpStatus: 401 });
    expect(join.reason).toBe(
      "token refused (HTTP 401 at the WebSocket upgrade): LiveKit does not know targets.livekit.apiKey or its secret (rotated?)",
    );
    // Two attempts; Node's WebSocket also re-sends a handshake answered 401 once (fetch's
    // authentication retry), so LiveKit sees two refusals per attempt.
    expect(livekit.refused.length).toBeGreaterThanOrEqual(2);
    expect(report.skipped?.map((skipped) => [skipped.check, skipped.reason])).toEqual([
      ["turn-udp", "not checked: the join failed, so LiveKit handed out no TURN servers"],
      ["turn-tcp", "not checked: the join failed, so LiveKit handed out no TURN servers"],
      ["turn-tls", "not checked: the join failed, so LiveKit handed out no TURN servers"],
    ]);
  });

  it("says no first message came when the server stays silent after the upgrade", async () => {
    const livekit = track(await startLivekitStandin({ keys: KEYS }));
    livekit.behaviour = "silent";
    const report = await cycle(
      deepConfig({ livekit: { url: livekit.url, apiKey: API_KEY, apiSecret, join: { timeoutMs: 500 } } }),
    );
    expect(resultOf(report, "join").reason).toMatch(
      /^no first message within \d+ ms after the upgrade \(expected the join response\)$/,
    );
  });

  it("says LiveKit sent leave instead of join, with its reason", async () => {
    const livekit = track(await startLivekitStandin({ keys: KEYS }));
    livekit.behaviour = "leave-first";
    const report = await cycle(deepConfig({ livekit: { url: livekit.url, apiKey: API_KEY, apiSecret } }));
    expect(resultOf(report, "join")).toMatchObject({
      status: "down",
      reason: "LiveKit sent leave instead of join (reason JOIN_FAILURE)",
    });
  });

  it("is down when the ping is never answered, and still hands out nothing to TURN", async () => {
    const livekit = track(await startLivekitStandin({ keys: KEYS }));
    livekit.behaviour = "no-pong";
    const report = await cycle(
      deepConfig({ livekit: { url: livekit.url, apiKey: API_KEY, apiSecret, join: { timeoutMs: 500 } } }),
    );
    expect(resultOf(report, "join").reason).toMatch(/^no pong to the signal ping within \d+ ms$/);
    expect(report.skipped?.[0]?.reason).toMatch(/the join failed/);
  });

  it("names what came first when it is not the join response", async () => {
    const livekit = track(await startLivekitStandin({ keys: KEYS }));
    livekit.behaviour = "offer-first";
    const report = await cycle(
      deepConfig({ livekit: { url: livekit.url, apiKey: API_KEY, apiSecret, join: { timeoutMs: 500 } } }),
    );
    expect(resultOf(report, "join").reason).toBe('the first message is "offer", expected the join response');
  });

  it("refuses a text frame as the first message", async () => {
    const livekit = track(await startLivekitStandin({ keys: KEYS }));
    livekit.behaviour = "text-first";
    const report = await cycle(deepConfig({ livekit: { url: livekit.url, apiKey: API_KEY, apiSecret } }));
    expect(resultOf(report, "join").reason).toBe(
      "the first message is a text frame, expected a binary join response",
    );
  });

  it("names a URL that is not LiveKit's /rtc (HTTP 404 at the upgrade)", async () => {
    const { startHttpServer, sendText } = await import("../../../../support/servers.ts");
    const other = track(await startHttpServer((_req, res) => sendText(res, 404, "not found")));
    const report = await cycle(deepConfig({ livekit: { url: other.url, apiKey: API_KEY, apiSecret } }));
    expect(resultOf(report, "join")).toMatchObject({ httpStatus: 404 });
    expect(resultOf(report, "join").reason).toMatch(
      /^HTTP 404 at the WebSocket upgrade: not LiveKit's \/rtc/,
    );
  });

  it("reports a closed port as refused", async () => {
    const { closedPort } = await import("../../../../support/servers.ts");
    const port = await closedPort();
    const report = await cycle(
      deepConfig({ livekit: { url: `http://127.0.0.1:${port}`, apiKey: API_KEY, apiSecret } }),
    );
    expect(resultOf(report, "join").reason).toBe("connection refused (nothing listening on that port)");
  });

  it("says where it looked when the API secret cannot be read", async () => {
    const livekit = track(await startLivekitStandin({ keys: KEYS }));
    const report = await cycle(
      deepConfig({ livekit: { url: livekit.url, apiKey: API_KEY, apiSecret: { env: "NOT_SET_ANYWHERE" } } }),
    );
    expect(resultOf(report, "join").reason).toBe(
      "targets.livekit.apiSecret: no value found: environment variable NOT_SET_ANYWHERE is not set",
    );
    expect(livekit.joins).toEqual([]);
  });
});

describe("LiveKit join over TLS", () => {
  const ca = TestCa.create();
  const certificate = ca.issue({ hosts: ["livekit.test"] });

  it("verifies wss:// with the target's CA and joins", async () => {
    const livekit = track(await startLivekitStandin({ keys: KEYS, tls: certificate }));
    const url = `https://livekit.test:${livekit.port}`;
    const report = await cycle(
      deepConfig({ livekit: { url, apiKey: API_KEY, apiSecret, tls: { ca: ca.cert } } }),
    );
    const join = resultOf(report, "join");
    expect(join).toMatchObject({ status: "up", url: `wss://livekit.test:${livekit.port}/rtc` });
    expect(join.timings.tlsMs).toBeGreaterThan(0);
    // The health check watches this host's certificate; the join does not publish it again.
    expect(join.certDaysLeft).toBeUndefined();
  });

  it("is down with the TLS reason when the certificate is not trusted", async () => {
    const livekit = track(await startLivekitStandin({ keys: KEYS, tls: certificate }));
    const url = `https://livekit.test:${livekit.port}`;
    const report = await cycle(deepConfig({ livekit: { url, apiKey: API_KEY, apiSecret } }));
    expect(resultOf(report, "join").reason).toMatch(/^TLS: certificate issuer is unknown/);
    expect(livekit.joins).toEqual([]);
  });
});

describe("LiveKit join with Meet's connection test", () => {
  it("joins with the token Meet's backend issues, no LiveKit secret in the monitor", async () => {
    const { startMeetBackend } = await import("../../../../support/meet-backend.ts");
    const livekit = track(await startLivekitStandin({ keys: KEYS }));
    const backend = track(
      await startMeetBackend({ apiKey: API_KEY, apiSecret: API_SECRET, connectionTest: true }),
    );
    const report = await cycle(
      deepConfig({ backend: { url: backend.url, connectionTest: true }, livekit: { url: livekit.url } }),
    );
    expect(resultOf(report, "join")).toMatchObject({ status: "up" });
    expect(backend.connectionTests).toBe(1);
    expect(livekit.joins[0]?.room).toMatch(/^connection-test-[0-9a-f-]{36}$/);
  });

  it("says the connection test is off when Meet answers 404", async () => {
    const { startMeetBackend } = await import("../../../../support/meet-backend.ts");
    const livekit = track(await startLivekitStandin({ keys: KEYS }));
    const backend = track(
      await startMeetBackend({ apiKey: API_KEY, apiSecret: API_SECRET, connectionTest: false }),
    );
    const report = await cycle(
      deepConfig({ backend: { url: backend.url, connectionTest: true }, livekit: { url: livekit.url } }),
    );
    expect(resultOf(report, "join")).toMatchObject({
      status: "down",
      httpStatus: 404,
      reason:
        "connection test (POST /api/v1.0/diagnostics/connection/): HTTP 404: the connection test is off (set CONNECTION_TEST_ENABLED in Meet's backend, Meet 1.25+)",
    });
    expect(livekit.joins).toEqual([]);
  });

  it("says the backend's key is unknown to LiveKit when its token is refused", async () => {
    const { startMeetBackend } = await import("../../../../support/meet-backend.ts");
    const livekit = track(await startLivekitStandin({ keys: KEYS }));
    const backend = track(
      await startMeetBackend({
        apiKey: "APIother",
        apiSecret: "other-secret-0123456789",
        connectionTest: true,
      }),
    );
    const report = await cycle(
      deepConfig({ backend: { url: backend.url, connectionTest: true }, livekit: { url: livekit.url } }),
    );
    expect(resultOf(report, "join").reason).toBe(
      "token refused (HTTP 401 at the WebSocket upgrade): Meet's backend signs with a key LiveKit does not know",
    );
  });
});

describe("a rotated secret", () => {
  it("is read again after LiveKit refuses the token, so the retry uses the new one", async () => {
    const { createCredentialResolver } = await import("../../../../functions/probe/credentials.ts");
    const { runCycle } = await import("../../../../functions/probe/cycle.ts");
    const { deepDependencies } = await import("./deep-harness.ts");
    const livekit = track(await startLivekitStandin({ keys: KEYS }));
    const versions = ["the-old-secret-before-rotation", API_SECRET];
    let reads = 0;
    const credentials = createCredentialResolver({
      mode: "lambda",
      secrets: { read: async () => versions[Math.min(reads++, 1)] ?? "" },
    });
    const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:livekit";
    const config = deepConfig({
      livekit: { url: livekit.url, apiKey: API_KEY, apiSecret: { secretArn: arn } },
    });
    const report = await runCycle(config, "test", { ...deepDependencies(), credentials });
    expect(resultOf(report, "join")).toMatchObject({ status: "up", attempts: 2 });
    expect(resultOf(report, "join").firstAttemptReason).toMatch(/^token refused/);
    expect(reads).toBe(2);
  });
});
