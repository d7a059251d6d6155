/**
 * The three black-box checks: what to request and how to judge the answer.
 * Pure functions of an `HttpExchange`; no I/O here.
 */
import type { MonitorConfig, TargetTls } from "../shared/config.ts";
import { isRecord } from "../shared/errors.ts";
import { CHECK_NAME, type CheckComponent, type CheckName } from "../shared/metrics.ts";
import type { HttpExchange, HttpRequest, HttpResponse } from "./http.ts";

export type CheckStatus = "up" | "degraded" | "down";

export interface Verdict {
  readonly status: CheckStatus;
  /** Why it is degraded or down (or a note when up); short, specific and secret-free. */
  readonly reason?: string;
}

export interface CheckSpec {
  readonly component: CheckComponent;
  readonly check: CheckName;
  readonly request: HttpRequest;
  readonly judge: (exchange: HttpExchange) => Verdict;
}

/** Health endpoints answer a few bytes; anything bigger is not the endpoint we expect. */
export const HEALTH_BODY_LIMIT = 64 * 1024;

interface TargetOptions {
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  readonly tls?: TargetTls;
}

/** The checks a configuration asks for, in a stable order (backend, livekit, garage). */
export function checkSpecs(config: MonitorConfig): CheckSpec[] {
  const { backend, livekit, garage } = config.targets;
  const specs: CheckSpec[] = [];
  const make = (
    component: CheckComponent,
    base: string,
    path: string,
    target: TargetOptions,
    judge: (response: HttpResponse) => Verdict,
  ): CheckSpec => ({
    component,
    check: CHECK_NAME[component],
    request: {
      url: joinUrl(base, path),
      timeoutMs: target.timeoutMs ?? config.probe.timeoutMs,
      maxBodyBytes: HEALTH_BODY_LIMIT,
      ...(target.headers ? { headers: target.headers } : {}),
      ...(target.tls ? { tls: target.tls } : {}),
    },
    judge: (exchange) => judgeExchange(exchange, judge),
  });
  if (backend) specs.push(make("backend", backend.url, "/__heartbeat__", backend, judgeBackendHeartbeat));
  if (livekit) specs.push(make("livekit", livekit.url, "/", livekit, judgeLivekitHealth));
  if (garage) specs.push(make("garage", garage.adminUrl, "/health", garage, judgeGarageHealth));
  return specs;
}

/** Appends `path` to the base URL's own path (a base may carry a prefix such as /meet). */
export function joinUrl(base: string, path: string): URL {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}${path}`;
  return url;
}

/** Failures and redirects are judged the same way for every check. */
export function judgeExchange(exchange: HttpExchange, judge: (response: HttpResponse) => Verdict): Verdict {
  if (exchange.failure) return { status: "down", reason: exchange.failure.message };
  const { response } = exchange;
  if (response.status >= 300 && response.status < 400) {
    const location = response.headers.location;
    return {
      status: "down",
      reason: `redirect ${response.status} to ${location ? stripQuery(location) : "(no Location header)"} (redirects are not followed: point the URL at the final address)`,
    };
  }
  return judge(response);
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

function looksLikeHtml(response: HttpResponse): boolean {
  const type = response.headers["content-type"] ?? "";
  if (/text\/html|application\/xhtml/i.test(type)) return true;
  return /^\s*<(!doctype|html|head|body)/i.test(response.body);
}

function stripQuery(location: string): string {
  return location.replace(/[?#].*$/, "").slice(0, 200);
}
