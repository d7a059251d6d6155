/**
 * `garage` / `health`: GET `<adminUrl>/health` on the admin API. Garage answers `text/plain`, the
 * status sentence on the first line, then a pointer to the full health endpoint. The sentences,
 * from Garage's admin API (src/api/admin/special.rs, `HealthRequest`):
 *
 * - 200 "Garage is fully operational": up
 * - 200 "Garage is operational but some storage nodes are unavailable": degraded
 * - 503 "Quorum is not available for some/all partitions, reads and writes will fail": down
 *
 * The first line must be one of these exactly: any other 200 body is degraded ("unrecognised
 * health text"), never healthy, so a proxy page or a changed sentence is noticed.
 */
import type { ProbeConfig } from "../../shared/config/index.ts";
import { joinUrl } from "../../shared/url.ts";
import type { HttpResponse } from "../http.ts";
import type { CheckSpec, Verdict } from "./check.ts";
import { httpCheck } from "./http-check.ts";

export const GARAGE_HEALTHY = "Garage is fully operational";
export const GARAGE_DEGRADED = "Garage is operational but some storage nodes are unavailable";

export function garageHealthCheck(config: ProbeConfig): CheckSpec | undefined {
  const garage = config.targets.garage;
  if (!garage) return undefined;
  return httpCheck({
    component: "garage",
    check: "health",
    url: joinUrl(garage.adminUrl, "/health"),
    target: garage,
    defaultTimeoutMs: config.probe.timeoutMs,
    judge: judgeGarageHealth,
  });
}

export function judgeGarageHealth(response: HttpResponse): Verdict {
  if (response.status === 200) {
    const sentence = (response.body.split("\n")[0] ?? "").trim();
    if (sentence === GARAGE_HEALTHY) return { status: "up" };
    if (sentence === GARAGE_DEGRADED) {
      return { status: "degraded", reason: "Garage degraded: some storage nodes are unavailable" };
    }
    // The body is not quoted: whatever answered is not Garage's health endpoint as we know it.
    return {
      status: "degraded",
      reason: "unrecognised health text (HTTP 200): not one of Garage's /health sentences",
    };
  }
  if (response.status === 503) {
    return { status: "down", reason: "Garage unavailable (HTTP 503: quorum is not available)" };
  }
  return { status: "down", reason: `unexpected status ${response.status}, expected 200 or 503` };
}
