/** `backend` / `heartbeat` against real servers on loopback. */
import { describe, expect, it } from "vitest";
import { runCycle } from "../../../../functions/probe/cycle.ts";
import { rawHttpResponse, sendJson, sendText } from "../../../../support/servers.ts";
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

  it("judges a heartbeat served as text/html by its body, and says the content type was wrong", async () => {
    const up = await checkOnce("backend", (_req, res) => sendText(res, 200, '{"status":"ok"}', "text/html"));
    expect(up).toMatchObject({
      status: "up",
      reason: "heartbeat status ok (served as text/html, expected application/json)",
    });
    const down = await checkOnce("backend", (_req, res) =>
      sendText(res, 500, '{"status":"error","checks":{"check_database_connected":"error"}}', "text/html"),
    );
    expect(down).toMatchObject({
      status: "down",
      reason:
        "heartbeat status error (HTTP 500): check_database_connected=error (served as text/html, expected application/json)",
    });
  });

  it("calls it the SPA only when the body is HTML, whatever the content type", async () => {
    const spa = await checkOnce("backend", (_req, res) =>
      sendText(res, 200, "<!doctype html><html><body></body></html>", "application/json"),
    );
    expect(spa.reason).toMatch(/^got HTML \(HTTP 200\) instead of the heartbeat JSON/);
    const empty = await checkOnce("backend", (_req, res) => sendText(res, 200, "", "text/html"));
    expect(empty).toMatchObject({
      status: "down",
      reason: "empty body (HTTP 200), expected the heartbeat JSON",
    });
  });
});

/** A heartbeat whose status and check names try to take over the operator's terminal. */
describe("backend heartbeat: what the target sends reaches the reason printable, short and on one line", () => {
  const printable = /^[\x20-\x7e]*$/;

  it("escapes ANSI sequences, control characters and newlines in the status", async () => {
    const status = "\u001b[2J\u001b[32mALL GOOD\nbackend/heartbeat: UP\r\u0007\u0000";
    const result = await checkOnce("backend", (_req, res) => sendJson(res, 503, { status }));
    expect(result.status).toBe("down");
    expect(result.reason).toMatch(printable);
    // Cut at 40 characters of the escaped text: the fake line never starts.
    expect(result.reason).toBe("heartbeat status \\x1b[2J\\x1b[32mALL GOOD\\nbackend/hear... (HTTP 503)");
  });

  it("escapes and cuts the failing checks' names and levels, five at most", async () => {
    const checks = Object.fromEntries(
      Array.from({ length: 8 }, (_, i) => [
        `check_${i}\u001b[31m\n${"n".repeat(300)}`,
        `error\n${"l".repeat(50)}`,
      ]),
    );
    const result = await checkOnce("backend", (_req, res) => sendJson(res, 500, { status: "error", checks }));
    expect(result.reason).toMatch(printable);
    expect(result.reason?.match(/check_\d/g)).toEqual([
      "check_0",
      "check_1",
      "check_2",
      "check_3",
      "check_4",
    ]);
    for (const part of (result.reason ?? "").split(": ")[1]?.split(", ") ?? []) {
      const [name, level] = part.split("=");
      expect(name?.length).toBeLessThanOrEqual(80);
      expect(level?.length).toBeLessThanOrEqual(20);
    }
  });

  it("cuts a very long status", async () => {
    const result = await checkOnce("backend", (_req, res) =>
      sendJson(res, 500, { status: "x".repeat(10_000) }),
    );
    expect(result.reason).toBe(`heartbeat status ${"x".repeat(37)}... (HTTP 500)`);
  });

  it("shows invalid UTF-8 bytes sent on the wire as escapes", async () => {
    const body = Buffer.concat([
      Buffer.from('{"status":"', "latin1"),
      Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
      // JSON escapes its control characters: \u001b is ESC once parsed.
      Buffer.from('\\u001b[2J\u00e9"}', "utf8"),
    ]);
    const result = await checkOnce("backend", rawHttpResponse(500, ["content-type: application/json"], body));
    expect(result.reason).toBe("heartbeat status \\ufffd\\ufffd\\ufffd(\\x1b[2J\\u00e9 (HTTP 500)");
  });

  it("escapes what is not printable ASCII in a redirect's Location, and cuts it", async () => {
    const location = Buffer.concat([
      Buffer.from("location: /login\t", "latin1"),
      Buffer.from([0xff, 0xc3, 0xa9]),
      Buffer.from(`/${"a".repeat(500)}?next=secret-token`, "latin1"),
    ]);
    const result = await checkOnce("backend", rawHttpResponse(302, [location.toString("latin1")], ""));
    expect(result.reason).toMatch(printable);
    expect(result.reason).toMatch(
      /^redirect 302 to \/login\\t\\u00ff\\u00c3\\u00a9\/a+\.\.\. \(redirects are not followed/,
    );
    expect(result.reason).not.toContain("secret-token");
  });

  it("never lets a control character in a header through: the parser refuses the answer", async () => {
    const result = await checkOnce("backend", rawHttpResponse(302, ["location: /login\x1b[2J"], ""));
    expect(result.status).toBe("down");
    expect(result.reason).toMatch(printable);
    expect(result.reason).toMatch(/^invalid HTTP response: /);
  });
});
