/**
 * `backend` / `heartbeat`: GET `<url>/__heartbeat__` and require Dockerflow's JSON with an
 * acceptable status. A 200 HTML page is down: the URL reaches the frontend's SPA, which answers
 * every path with index.html even when the backend is dead.
 */
import type { MonitorConfig } from "../../shared/config/index.ts";
import { isRecord } from "../../shared/errors.ts";
import { joinUrl } from "../../shared/url.ts";
import type { HttpResponse } from "../http.ts";
import type { CheckSpec, Verdict } from "./check.ts";
import { HEALTH_BODY_LIMIT, httpCheck, looksLikeHtml } from "./http-check.ts";

export function backendHeartbeatCheck(config: MonitorConfig): CheckSpec | undefined {
  const backend = config.targets.backend;
  if (!backend) return undefined;
  return httpCheck({
    component: "backend",
    check: "heartbeat",
    url: joinUrl(backend.url, "/__heartbeat__"),
    target: backend,
    defaultTimeoutMs: config.probe.timeoutMs,
    judge: judgeBackendHeartbeat,
  });
}

const HEARTBEAT_OK = new Set(["ok", "warning", "info"]);

export function judgeBackendHeartbeat(response: HttpResponse): Verdict {
  if (looksLikeHtml(response)) {
    return {
      status: "down",
      reason: `got HTML (HTTP ${response.status}) instead of the heartbeat JSON: the URL reaches the frontend's SPA, not the Django backend; point targets.backend.url at the backend service (port 8000)`,
    };
  }
  if (response.bodyTruncated) {
    return {
      status: "down",
      reason: `body larger than ${HEALTH_BODY_LIMIT / 1024} KiB: not a heartbeat (HTTP ${response.status})`,
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    const what = response.body.trim() === "" ? "empty body" : "body is not valid JSON";
    return { status: "down", reason: `${what} (HTTP ${response.status}), expected the heartbeat JSON` };
  }
  const status = isRecord(json) && typeof json.status === "string" ? json.status : undefined;
  if (status === undefined) {
    return {
      status: "down",
      reason: `JSON without a "status" field (HTTP ${response.status}): not a Dockerflow heartbeat`,
    };
  }
  if (response.status === 200 && HEARTBEAT_OK.has(status)) {
    return status === "ok" ? { status: "up" } : { status: "up", reason: `heartbeat status ${status}` };
  }
  const failing = isRecord(json) ? failingChecks(json.checks) : [];
  const which = failing.length > 0 ? `: ${failing.join(", ")}` : "";
  return { status: "down", reason: `heartbeat status ${status} (HTTP ${response.status})${which}` };
}

/** Dockerflow's `checks` maps each check name to its level; names are code, never secrets. */
function failingChecks(checks: unknown): string[] {
  if (!isRecord(checks)) return [];
  return Object.entries(checks)
    .filter(([, level]) => typeof level === "string" && !HEARTBEAT_OK.has(level))
    .map(([name, level]) => `${name.slice(0, 80)}=${String(level).slice(0, 20)}`)
    .slice(0, 5);
}
