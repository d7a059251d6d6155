/**
 * `livekit` / `turn-udp`, `turn-tcp`, `turn-tls`: the join's answer (from the LiveKit stand-in)
 * lists a real coturn on loopback. Needs `apt-get install -y coturn` (.ci/run installs it):
 * without it the tests fail under CI and are skipped, saying so, elsewhere.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cycleDatums } from "../../../../functions/probe/datums.ts";
import { TestCa } from "../../../../support/certs.ts";
import {
  COTURN_INSTALL_HINT,
  coturnMissing,
  type RunningCoturn,
  startCoturn,
} from "../../../../support/coturn.ts";
import { type StandinIceServer, startLivekitStandin } from "../../../../support/livekit.ts";
import { closedPort } from "../../../../support/servers.ts";
import { API_KEY, API_SECRET, cycle, deepConfig, resultOf, track } from "./deep-harness.ts";

const missing = coturnMissing();
if (missing && !process.env.CI) console.warn(`Skipping the TURN check tests: ${missing} not installed`);

const TURN_USER = "monitor-turn-user";
const TURN_PASSWORD = "turn-credential-0123456789";
const ca = TestCa.create();

describe.skipIf(missing !== undefined && !process.env.CI)("TURN checks after the join", () => {
  let coturn: RunningCoturn;
  beforeAll(async () => {
    if (missing) throw new Error(`${missing} not installed: ${COTURN_INSTALL_HINT} (CI must have it)`);
    coturn = await startCoturn({
      username: TURN_USER,
      password: TURN_PASSWORD,
      tlsCertificate: ca.issue({ hosts: ["turn.test"] }),
    });
  }, 20_000);
  afterAll(async () => {
    await coturn?.stop();
  });

  const allTransports = (password = TURN_PASSWORD): StandinIceServer[] => [
    {
      urls: [
        `turn:127.0.0.1:${coturn.port}?transport=udp`,
        `turn:127.0.0.1:${coturn.port}?transport=tcp`,
        `turns:turn.test:${coturn.tlsPort}?transport=tcp`,
      ],
      username: TURN_USER,
      credential: password,
    },
  ];

  async function run(iceServers: StandinIceServer[], livekitTls: Record<string, unknown> = { ca: ca.cert }) {
    const livekit = track(await startLivekitStandin({ keys: { [API_KEY]: API_SECRET }, iceServers }));
    return cycle(
      deepConfig({
        livekit: { url: livekit.url, apiKey: API_KEY, apiSecret: { env: "LIVEKIT_SECRET" }, tls: livekitTls },
      }),
    );
  }

  it("allocates a relay over UDP, TCP and TLS with the credentials the join hands out", async () => {
    const report = await run(allTransports());
    expect(report.checks.map((result) => [result.check, result.status, result.reason])).toEqual([
      ["health", "up", undefined],
      ["join", "up", undefined],
      ["turn-udp", "up", undefined],
      ["turn-tcp", "up", undefined],
      ["turn-tls", "up", undefined],
    ]);
    expect(report.skipped).toEqual([]);
    expect(resultOf(report, "turn-udp").url).toBe(`turn:127.0.0.1:${coturn.port}?transport=udp`);
    const tls = resultOf(report, "turn-tls");
    expect(tls.url).toBe(`turns:turn.test:${coturn.tlsPort}?transport=tcp`);
    // The TURN domain's certificate is watched like an https target's.
    expect(tls.certDaysLeft).toBeGreaterThan(80);
    const relay = cycleDatums(report).filter((datum) => datum.name === "TurnRelayUp");
    expect(relay.map((datum) => datum.value)).toEqual([1]);
  });

  it("is down over each transport when the credentials are refused, and TurnRelayUp is 0", async () => {
    const report = await run(allTransports("not-the-password"));
    for (const check of ["turn-udp", "turn-tcp", "turn-tls"]) {
      expect(resultOf(report, check)).toMatchObject({
        status: "down",
        attempts: 2,
        reason: "TURN Allocate: error 401 (the credentials the join handed out were refused)",
      });
    }
    expect(cycleDatums(report).find((datum) => datum.name === "TurnRelayUp")?.value).toBe(0);
  });

  it("does not check or publish a transport the join does not list, and says so", async () => {
    const report = await run([
      {
        urls: [`turn:127.0.0.1:${coturn.port}?transport=udp`],
        username: TURN_USER,
        credential: TURN_PASSWORD,
      },
    ]);
    expect(resultOf(report, "turn-udp").status).toBe("up");
    expect(report.skipped?.map((skipped) => [skipped.check, skipped.reason])).toEqual([
      ["turn-tcp", "not checked: the join response lists no TURN server over TCP (turn:…?transport=tcp)"],
      ["turn-tls", "not checked: the join response lists no TURN server over TLS (turns:)"],
    ]);
    const checks = cycleDatums(report).flatMap((datum) => datum.dimensions.filter((d) => d.name === "Check"));
    expect(new Set(checks.map((dimension) => dimension.value))).toEqual(
      new Set(["health", "join", "turn-udp"]),
    );
  });

  it("names a closed TCP port, and an untrusted TURN certificate", async () => {
    const port = await closedPort();
    const report = await run(
      [
        {
          urls: [`turn:127.0.0.1:${port}?transport=tcp`, `turns:turn.test:${coturn.tlsPort}?transport=tcp`],
          username: TURN_USER,
          credential: TURN_PASSWORD,
        },
      ],
      {},
    );
    expect(resultOf(report, "turn-tcp").reason).toBe("connection refused (nothing listening on that port)");
    expect(resultOf(report, "turn-tls").reason).toMatch(/^TLS: certificate issuer is unknown/);
  });

  it("verifies the TURN domain by its own name: the LiveKit target's servername is LiveKit's", async () => {
    const report = await run(allTransports(), { ca: ca.cert, servername: "livekit.test" });
    expect(resultOf(report, "turn-tls")).toMatchObject({ status: "up" });
  });

  it("keeps TurnRelayUp at 1 while any transport still allocates", async () => {
    const port = await closedPort();
    const report = await run([
      {
        urls: [`turn:127.0.0.1:${coturn.port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`],
        username: TURN_USER,
        credential: TURN_PASSWORD,
      },
    ]);
    expect(report.checks.filter((result) => result.check.startsWith("turn")).map((r) => r.status)).toEqual([
      "up",
      "down",
    ]);
    expect(cycleDatums(report).find((datum) => datum.name === "TurnRelayUp")?.value).toBe(1);
  });

  it("is degraded when one of several servers of a transport fails", async () => {
    const port = await closedPort();
    const report = await run([
      {
        urls: [`turn:127.0.0.1:${coturn.port}?transport=tcp`, `turn:127.0.0.1:${port}?transport=tcp`],
        username: TURN_USER,
        credential: TURN_PASSWORD,
      },
    ]);
    expect(resultOf(report, "turn-tcp")).toMatchObject({
      status: "degraded",
      reason: `1 of 2 TURN servers failed: turn:127.0.0.1:${port}?transport=tcp: connection refused (nothing listening on that port)`,
    });
  });
});
