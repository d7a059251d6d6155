/**
 * `garage` / `health`: GET `<adminUrl>/health` on the admin API. 200 fully operational is up,
 * another 200 is up but degraded (some storage nodes down), 503 is down (no quorum).
 */
import type { MonitorConfig } from "../../shared/config/index.ts";
import { joinUrl } from "../../shared/url.ts";
import type { HttpResponse } from "../http.ts";
import type { CheckSpec, Verdict } from "./check.ts";
import { httpCheck } from "./http-check.ts";

export function garageHealthCheck(config: MonitorConfig): CheckSpec | undefined {
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
    if (/fully operational/i.test(response.body)) return { status: "up" };
    const detail = /storage nodes are unavailable/i.test(response.body)
      ? "some storage nodes are unavailable"
      : "the answer does not say fully operational";
    return { status: "degraded", reason: `Garage degraded: ${detail}` };
  }
  if (response.status === 503) {
    return { status: "down", reason: "Garage unavailable (HTTP 503: quorum is not available)" };
  }
  return { status: "down", reason: `unexpected status ${response.status}, expected 200 or 503` };
}
