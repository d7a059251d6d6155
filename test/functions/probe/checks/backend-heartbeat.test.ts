/** `backend` / `heartbeat` against real servers on loopback. */
import { describe, expect, it } from "vitest";
import { runCycle } from "../../../../functions/probe/cycle.ts";
import { sendJson, sendText } from "../../../../support/servers.ts";
import { checkOnce, config, html, http, serve } from "./harness.ts";

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
