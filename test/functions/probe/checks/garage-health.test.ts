/** `garage` / `health` against real servers on loopback, answering Garage's exact texts. */
import { describe, expect, it } from "vitest";
import { sendText } from "../../../../support/servers.ts";
import { checkOnce } from "./harness.ts";

/** What Garage's admin API sends: the sentence, then a pointer to the full health endpoint. */
const garageBody = (sentence: string): string =>
  `${sentence}\nConsult the full health check API endpoint at /v2/GetClusterHealth for more details\n`;

describe("Garage health", () => {
  it("is up on 200 fully operational, requesting /health", async () => {
    let path: string | undefined;
    const result = await checkOnce("garage", (req, res) => {
      path = req.url;
      sendText(res, 200, garageBody("Garage is fully operational"));
    });
    expect(path).toBe("/health");
    expect(result).toMatchObject({ component: "garage", check: "health", status: "up" });
    expect(result.reason).toBeUndefined();
  });

  it("is up on the sentence alone, as older versions and proxies may send it", async () => {
    const result = await checkOnce("garage", (_req, res) =>
      sendText(res, 200, "Garage is fully operational"),
    );
    expect(result.status).toBe("up");
  });

  it("is degraded on Garage's degraded sentence", async () => {
    const result = await checkOnce("garage", (_req, res) =>
      sendText(res, 200, garageBody("Garage is operational but some storage nodes are unavailable")),
    );
    expect(result).toMatchObject({
      status: "degraded",
      reason: "Garage degraded: some storage nodes are unavailable",
    });
    expect(result.attempts).toBe(1);
  });

  it.each([
    ["a sentence that only contains the healthy words", "Garage is not fully operational"],
    ["the healthy sentence with more on its line", "Garage is fully operational? no"],
    ["an empty body", ""],
    ["a proxy's page", "<html><body>OK</body></html>"],
  ])("is degraded with an unrecognised health text on a 200 with %s", async (_what, body) => {
    const result = await checkOnce("garage", (_req, res) => sendText(res, 200, body));
    expect(result).toMatchObject({
      status: "degraded",
      reason: "unrecognised health text (HTTP 200): not one of Garage's /health sentences",
    });
  });

  it("is down on 503", async () => {
    const result = await checkOnce("garage", (_req, res) =>
      sendText(
        res,
        503,
        garageBody("Quorum is not available for some/all partitions, reads and writes will fail"),
      ),
    );
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
