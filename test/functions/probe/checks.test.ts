/**
 * Every check outcome, end to end: real servers on loopback, the real HTTP adapter, the real
 * cycle (with the retry pause shortened).
 */
import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { createUndiciHttp } from "../../../functions/probe/adapters/undici-http.ts";
import { type CheckResult, runCycle } from "../../../functions/probe/cycle.ts";
import { type MonitorConfig, parseConfig } from "../../../functions/shared/config.ts";
import {
  type Handler,
  loopbackLookup,
  type RunningServer,
  sendJson,
  sendText,
  startHttpServer,
  startRawServer,
} from "../../../support/servers.ts";

const http = createUndiciHttp({ lookup: loopbackLookup });
const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function config(targets: Record<string, unknown>, probe: Record<string, unknown> = {}): MonitorConfig {
  const result = parseConfig({
    vantage: "test",
    probe: { retryDelayMs: 0, timeoutMs: 2000, ...probe },
    targets,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

async function serve(handler: Handler): Promise<RunningServer> {
  const server = await startHttpServer(handler);
  servers.push(server);
  return server;
}

async function checkOnce(
  component: "backend" | "livekit" | "garage",
  handler: Handler,
): Promise<CheckResult> {
  const server = await serve(handler);
  const target = component === "garage" ? { adminUrl: server.url } : { url: server.url };
  const report = await runCycle(config({ [component]: target }), "test", { http });
  const [result] = report.checks;
  if (!result) throw new Error("no result");
  return result;
}

const html = (res: ServerResponse): void =>
  sendText(
    res,
    200,
    "<!doctype html><html><head><title>Meet</title></head><body></body></html>",
    "text/html",
  );

describe("backend heartbeat", () => {
  it("is up on 200 with status ok, requesting /__heartbeat__", async () => {
    let path: string | undefined;
    const result = await checkOnce("backend", (req, res) => {
      path = req.url;
      sendJson(res, 200, { status: "ok", checks: {}, details: {} });
    });
    expect(path).toBe("/__heartbeat__");
    expect(result).toMatchObject({ component: "backend", check: "heartbeat", status: "up", httpStatus: 200 });
    expect(result.reason).toBeUndefined();
  });

  it.each(["warning", "info"])("is up on status %s, with a note", async (status) => {
    const result = await checkOnce("backend", (_req, res) => sendJson(res, 200, { status }));
    expect(result).toMatchObject({ status: "up", reason: `heartbeat status ${status}` });
  });

  it("is down on 500 status error, naming the failing checks", async () => {
    const result = await checkOnce("backend", (_req, res) =>
      sendJson(res, 500, {
        status: "error",
        checks: { check_database_connected: "error", check_migrations_applied: "ok" },
        details: { check_database_connected: { messages: { "postgres.E001": "password=hunter2 host=db" } } },
      }),
    );
    expect(result.status).toBe("down");
    expect(result.reason).toBe("heartbeat status error (HTTP 500): check_database_connected=error");
    expect(JSON.stringify(result)).not.toContain("hunter2");
  });

  it("is down on a 200 HTML page and says the URL reaches the frontend's SPA", async () => {
    const result = await checkOnce("backend", (_req, res) => html(res));
    expect(result.status).toBe("down");
    expect(result.reason).toMatch(
      /^got HTML \(HTTP 200\) instead of the heartbeat JSON: the URL reaches the frontend's SPA/,
    );
  });

  it("is down on invalid JSON", async () => {
    const result = await checkOnce("backend", (_req, res) =>
      sendText(res, 200, "{status: ok}", "application/json"),
    );
    expect(result).toMatchObject({
      status: "down",
      reason: "body is not valid JSON (HTTP 200), expected the heartbeat JSON",
    });
  });

  it("is down on truncated JSON", async () => {
    const result = await checkOnce("backend", (_req, res) =>
      sendText(res, 200, '{"status": "o', "application/json"),
    );
    expect(result).toMatchObject({
      status: "down",
      reason: "body is not valid JSON (HTTP 200), expected the heartbeat JSON",
    });
  });

  it("is down on JSON without a status", async () => {
    const result = await checkOnce("backend", (_req, res) => sendJson(res, 200, { healthy: true }));
    expect(result.reason).toMatch(/without a "status" field/);
  });

  it("is down on a body too large to be a heartbeat", async () => {
    const result = await checkOnce("backend", (_req, res) =>
      sendText(res, 200, `{"status":"ok","pad":"${"x".repeat(200_000)}"}`, "application/json"),
    );
    expect(result).toMatchObject({
      status: "down",
      reason: "body larger than 64 KiB: not a heartbeat (HTTP 200)",
    });
  });

  it("is down on a redirect, with its Location (without the query) in the reason", async () => {
    const result = await checkOnce("backend", (_req, res) => {
      res.writeHead(301, { location: "https://meet.example.org/__heartbeat__?session=abc" });
      res.end();
    });
    expect(result.status).toBe("down");
    expect(result.reason).toContain("redirect 301 to https://meet.example.org/__heartbeat__ ");
    expect(result.reason).not.toContain("session=abc");
  });

  it("keeps a path prefix of the base URL", async () => {
    let path: string | undefined;
    const server = await serve((req, res) => {
      path = req.url;
      sendJson(res, 200, { status: "ok" });
    });
    await runCycle(config({ backend: { url: `${server.url}/meet/` } }), "test", { http });
    expect(path).toBe("/meet/__heartbeat__");
  });
});

describe("LiveKit health", () => {
  it("is up on 200 OK", async () => {
    const result = await checkOnce("livekit", (_req, res) => sendText(res, 200, "OK"));
    expect(result).toMatchObject({ component: "livekit", check: "health", status: "up" });
  });

  it("is down on 406 Not Ready, with that reason", async () => {
    const result = await checkOnce("livekit", (_req, res) =>
      sendText(res, 406, "Not Ready: stats are stale"),
    );
    expect(result.status).toBe("down");
    expect(result.reason).toMatch(/^LiveKit not ready \(HTTP 406 Not Ready/);
  });

  it("is down on 200 with another body", async () => {
    const result = await checkOnce("livekit", (_req, res) => sendText(res, 200, "hello"));
    expect(result.reason).toBe('unexpected body (HTTP 200), expected "OK"');
  });

  it("is down on an unexpected status", async () => {
    const result = await checkOnce("livekit", (_req, res) => sendText(res, 502, "Bad Gateway"));
    expect(result.reason).toBe('unexpected status 502, expected 200 "OK"');
  });
});

describe("Garage health", () => {
  it("is up on 200 fully operational, requesting /health", async () => {
    let path: string | undefined;
    const result = await checkOnce("garage", (req, res) => {
      path = req.url;
      sendText(res, 200, "Garage is fully operational");
    });
    expect(path).toBe("/health");
    expect(result).toMatchObject({ component: "garage", check: "health", status: "up" });
  });

  it("is up and degraded on another 200", async () => {
    const result = await checkOnce("garage", (_req, res) =>
      sendText(res, 200, "Garage is operational but some storage nodes are unavailable"),
    );
    expect(result).toMatchObject({
      status: "degraded",
      reason: "Garage degraded: some storage nodes are unavailable",
    });
    expect(result.attempts).toBe(1);
  });

  it("is down on 503", async () => {
    const result = await checkOnce("garage", (_req, res) => sendText(res, 503, "Quorum is not available"));
    expect(result).toMatchObject({
      status: "down",
      reason: "Garage unavailable (HTTP 503: quorum is not available)",
    });
  });

  it("is down on anything else", async () => {
    const result = await checkOnce("garage", (_req, res) => sendText(res, 403, "Forbidden"));
    expect(result.reason).toBe("unexpected status 403, expected 200 or 503");
  });
});

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
        http: { get: () => new Promise(() => undefined) },
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
      },
    });
    expect(report.checks[0]).toMatchObject({ status: "down", reason: "probe error: boom" });
  });
});
