/** The cycle: retry, pause, concurrency, and the watchdog, with real servers on loopback. */
import type { ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { runCycle } from "../../../functions/probe/cycle.ts";
import { type Handler, sendJson, sendText, startRawServer } from "../../../support/servers.ts";
import { checkOnce, config, http, serve, servers } from "./checks/harness.ts";

describe("retry and concurrency", () => {
  it("retries a failed attempt once and reports the recovery", async () => {
    let calls = 0;
    const result = await checkOnce("livekit", (req, res) => {
      calls++;
      if (calls === 1) {
        req.socket.destroy();
        return;
      }
      sendText(res, 200, "OK");
    });
    expect(calls).toBe(2);
    expect(result).toMatchObject({ status: "up", attempts: 2 });
    expect(result.firstAttemptReason).toMatch(/closed by the server|reset/);
  });

  it("reports down after the second failure, with the last attempt's reason", async () => {
    let calls = 0;
    const result = await checkOnce("livekit", (_req, res) => {
      calls++;
      sendText(res, calls === 1 ? 500 : 406, "no");
    });
    expect(calls).toBe(2);
    expect(result).toMatchObject({
      status: "down",
      attempts: 2,
      firstAttemptReason: 'unexpected status 500, expected 200 "OK"',
    });
    expect(result.reason).toMatch(/^LiveKit not ready/);
  });

  it("pauses retryDelayMs between the attempts", async () => {
    const pauses: number[] = [];
    const server = await serve((_req, res) => sendText(res, 503, "Quorum is not available"));
    await runCycle(config({ garage: { adminUrl: server.url } }, { retryDelayMs: 1234 }), "test", {
      http,
      sleep: async (ms) => {
        pauses.push(ms);
      },
    });
    expect(pauses).toEqual([1234]);
  });

  it("runs the checks concurrently: each server sees its request before any answers", async () => {
    const arrived = new Set<string>();
    const waiting: (() => void)[] = [];
    const barrier = (name: string, answer: (res: ServerResponse) => void): Handler => {
      return (_req, res) => {
        arrived.add(name);
        waiting.push(() => answer(res));
        if (arrived.size === 3) for (const release of waiting.splice(0)) release();
      };
    };
    const backend = await serve(barrier("backend", (res) => sendJson(res, 200, { status: "ok" })));
    const livekit = await serve(barrier("livekit", (res) => sendText(res, 200, "OK")));
    const garage = await serve(barrier("garage", (res) => sendText(res, 200, "Garage is fully operational")));
    const report = await runCycle(
      config(
        { backend: { url: backend.url }, livekit: { url: livekit.url }, garage: { adminUrl: garage.url } },
        { timeoutMs: 5000 },
      ),
      "test",
      { http },
    );
    // Sequential checks would each wait for the others and time out.
    expect(report.checks.map((result) => [result.component, result.status, result.attempts])).toEqual([
      ["backend", "up", 1],
      ["livekit", "up", 1],
      ["garage", "up", 1],
    ]);
  });

  it("a hung target is down on its own without holding back the others' results", async () => {
    const hung = await startRawServer(() => undefined);
    servers.push(hung);
    const healthy = await serve((_req, res) => sendText(res, 200, "OK"));
    const report = await runCycle(
      config({ backend: { url: hung.url, timeoutMs: 300 }, livekit: { url: healthy.url } }),
      "test",
      { http },
    );
    expect(report.checks.map((result) => result.status)).toEqual(["down", "up"]);
    expect(report.checks[0]?.reason).toBe("timeout after 300 ms during waiting for response headers");
    expect(report.checks[0]?.attempts).toBe(2);
  });

  it("still yields a result when the HTTP port misbehaves", async () => {
    const report = await runCycle(
      config({ livekit: { url: "http://lk.test:7880", timeoutMs: 100 } }),
      "test",
      {
        http: { get: () => new Promise(() => undefined), send: () => new Promise(() => undefined) },
      },
    );
    expect(report.checks[0]).toMatchObject({ status: "down", attempts: 2 });
    expect(report.checks[0]?.reason).toMatch(/did not finish within its 2200 ms budget/);
  });

  it("turns a port that throws into a down result", async () => {
    const report = await runCycle(config({ livekit: { url: "http://lk.test:7880" } }), "test", {
      http: {
        get: () => {
          throw new Error("boom");
        },
        send: () => {
          throw new Error("boom");
        },
      },
    });
    expect(report.checks[0]).toMatchObject({ status: "down", reason: "probe error: boom" });
  });
});
