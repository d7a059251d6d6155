/** `livekit` / `health` against real servers on loopback. */
import { describe, expect, it } from "vitest";
import { sendText } from "../../../../support/servers.ts";
import { checkOnce } from "./harness.ts";

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
