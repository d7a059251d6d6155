/** The cycle: retry, pause, concurrency, and the watchdog, with real servers on loopback. */
import type { ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import type { Attempt, AttemptContext, CheckSpec } from "../../../functions/probe/checks/index.ts";
import { MIN_DEPENDENT_ATTEMPT_MS, runChecks, runCycle } from "../../../functions/probe/cycle.ts";
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

describe("a check that needs another's output", () => {
  const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  const servers = [{ urls: ["turn:a.test"], username: "u", credential: "c" }];

  function upstream(attempts: (() => Promise<Attempt>)[]): CheckSpec {
    let call = 0;
    return {
      component: "livekit",
      check: "join",
      url: "ws://join.test/rtc",
      timeoutMs: 300,
      attempt: () => {
        const next = attempts[Math.min(call++, attempts.length - 1)];
        if (!next) throw new Error("no attempt");
        return next();
      },
    };
  }

  function dependent(seen: AttemptContext[]): CheckSpec {
    return {
      component: "livekit",
      check: "turn-udp",
      url: "turn from the join",
      timeoutMs: 300,
      after: { component: "livekit", check: "join" },
      attempt: async (_ports, context) => {
        seen.push(context);
        return context.upstream?.output
          ? { verdict: { status: "up" }, timings: { totalMs: 1 } }
          : { notChecked: "not checked: no output" };
      },
    };
  }

  const joined = async (): Promise<Attempt> => ({
    verdict: { status: "up" },
    timings: { totalMs: 1 },
    output: { kind: "iceServers", servers },
  });

  it("starts after it, receives its output, and gets what is left of the cycle's budget", async () => {
    const seen: AttemptContext[] = [];
    const order: string[] = [];
    const join = upstream([
      async () => {
        await wait(20);
        order.push("join done");
        return joined();
      },
    ]);
    const report = await runChecks([join, dependent(seen)], { retryDelayMs: 0 }, "test", { http });
    expect(report.checks.map((result) => [result.check, result.status])).toEqual([
      ["join", "up"],
      ["turn-udp", "up"],
    ]);
    expect(seen[0]?.upstream).toEqual({ status: "up", output: { kind: "iceServers", servers } });
    // The cycle's budget is 2 x 300 ms; 20 ms are gone, so each of its two attempts may take 290 at most.
    expect(seen[0]?.timeoutMs).toBeLessThanOrEqual(290);
    expect(seen[0]?.timeoutMs).toBeGreaterThanOrEqual(MIN_DEPENDENT_ATTEMPT_MS);
    expect(order).toEqual(["join done"]);
  });

  it("is not checked when its upstream used the cycle's whole budget", async () => {
    const seen: AttemptContext[] = [];
    const join = upstream([
      async () => {
        await wait(280);
        return { verdict: { status: "down", reason: "slow" }, timings: { totalMs: 280 } };
      },
      async () => {
        await wait(280);
        return joined();
      },
    ]);
    const report = await runChecks([join, dependent(seen)], { retryDelayMs: 0 }, "test", { http });
    expect(report.checks.map((result) => result.check)).toEqual(["join"]);
    expect(report.skipped).toEqual([
      {
        component: "livekit",
        check: "turn-udp",
        url: "turn from the join",
        reason: "not checked: livekit/join used the cycle's budget (600 ms)",
      },
    ]);
    expect(seen).toEqual([]);
  });

  it("reports a check with nothing to check once, without a retry or a result", async () => {
    const seen: AttemptContext[] = [];
    const join = upstream([async () => ({ verdict: { status: "up" }, timings: { totalMs: 1 } })]);
    const report = await runChecks([join, dependent(seen)], { retryDelayMs: 0 }, "test", { http });
    expect(seen).toHaveLength(1);
    expect(report.skipped?.map((skipped) => skipped.reason)).toEqual(["not checked: no output"]);
  });

  it("scrubs the values a check registered from its reasons", async () => {
    const leaky: CheckSpec = {
      component: "garage",
      check: "s3",
      url: "http://s3.test/bucket/key",
      timeoutMs: 100,
      attempt: async (_ports, context) => {
        context.redact("token-value-123");
        return { verdict: { status: "down", reason: "refused token-value-123" }, timings: { totalMs: 1 } };
      },
    };
    const report = await runChecks([leaky], { retryDelayMs: 0 }, "test", { http });
    expect(report.checks[0]).toMatchObject({
      reason: "refused [redacted]",
      firstAttemptReason: "refused [redacted]",
    });
  });
});
