/** `garage` / `health` against real servers on loopback. */
import { describe, expect, it } from "vitest";
import { sendText } from "../../../../support/servers.ts";
import { checkOnce } from "./harness.ts";

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
