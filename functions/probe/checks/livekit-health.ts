/** `livekit` / `health`: GET `<url>/` and require 200 `OK` (406 `Not Ready` right after a start). */
import type { ProbeConfig } from "../../shared/config/index.ts";
import { joinUrl } from "../../shared/url.ts";
import type { HttpResponse } from "../http.ts";
import type { CheckSpec, Verdict } from "./check.ts";
import { httpCheck, looksLikeHtml } from "./http-check.ts";

export function livekitHealthCheck(config: ProbeConfig): CheckSpec | undefined {
  const livekit = config.targets.livekit;
  if (!livekit) return undefined;
  return httpCheck({
    component: "livekit",
    check: "health",
    url: joinUrl(livekit.url, "/"),
    target: livekit,
    defaultTimeoutMs: config.probe.timeoutMs,
    judge: judgeLivekitHealth,
  });
}

export function judgeLivekitHealth(response: HttpResponse): Verdict {
  const body = response.body.trim();
  if (response.status === 200 && body === "OK") return { status: "up" };
  if (response.status === 406) {
    return {
      status: "down",
      reason: "LiveKit not ready (HTTP 406 Not Ready: node stats are stale, e.g. just started)",
    };
  }
  if (looksLikeHtml(response)) {
    return {
      status: "down",
      reason: `got HTML (HTTP ${response.status}), not LiveKit's health answer: check the URL`,
    };
  }
  if (response.status === 200) return { status: "down", reason: 'unexpected body (HTTP 200), expected "OK"' };
  return { status: "down", reason: `unexpected status ${response.status}, expected 200 "OK"` };
}
