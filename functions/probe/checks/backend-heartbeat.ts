/**
 * `backend` / `heartbeat`: GET `<url>/__heartbeat__` and require Dockerflow's JSON with an
 * acceptable status. The body decides, not the content type: a heartbeat served as `text/html`
 * is still judged (the reason says the type was wrong), and only an HTML body is the frontend's
 * SPA, which answers every path with index.html even when the backend is dead.
 */
import type { ProbeConfig } from "../../shared/config/index.ts";
import { isRecord } from "../../shared/errors.ts";
import { untrustedText } from "../../shared/text.ts";
import { joinUrl } from "../../shared/url.ts";
import type { HttpResponse } from "../http.ts";
import type { CheckSpec, Verdict } from "./check.ts";
import { bodyIsHtml, HEALTH_BODY_LIMIT, httpCheck } from "./http-check.ts";

export function backendHeartbeatCheck(config: ProbeConfig): CheckSpec | undefined {
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
/** What of the target's text a reason shows: a status, a check name, a level. */
const STATUS_MAX = 40;
const CHECK_NAME_MAX = 80;
const LEVEL_MAX = 20;
const FAILING_CHECKS_SHOWN = 5;

export function judgeBackendHeartbeat(response: HttpResponse): Verdict {
  const http = `HTTP ${response.status}`;
  const json = response.bodyTruncated ? undefined : parseJson(response.body);
  if (json === undefined) {
    if (bodyIsHtml(response.body)) {
      return {
        status: "down",
        reason: `got HTML (${http}) instead of the heartbeat JSON: the URL reaches the frontend's SPA, not the Django backend; point targets.backend.url at the backend service (port 8000)`,
      };
    }
    if (response.bodyTruncated) {
      return {
        status: "down",
        reason: `body larger than ${HEALTH_BODY_LIMIT / 1024} KiB: not a heartbeat (${http})`,
      };
    }
    const what = response.body.trim() === "" ? "empty body" : "body is not valid JSON";
    return { status: "down", reason: `${what} (${http}), expected the heartbeat JSON` };
  }
  const note = contentTypeNote(response);
  const status = isRecord(json) && typeof json.status === "string" ? json.status : undefined;
  if (status === undefined) {
    return {
      status: "down",
      reason: `JSON without a "status" field (${http}): not a Dockerflow heartbeat${note}`,
    };
  }
  const shown = untrustedText(status, STATUS_MAX);
  if (response.status === 200 && HEARTBEAT_OK.has(status)) {
    if (status === "ok" && note === "") return { status: "up" };
    return { status: "up", reason: `heartbeat status ${shown}${note}` };
  }
  const failing = isRecord(json) ? failingChecks(json.checks) : [];
  const which = failing.length > 0 ? `: ${failing.join(", ")}` : "";
  return { status: "down", reason: `heartbeat status ${shown} (${http})${which}${note}` };
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** Dockerflow answers `application/json`; anything else is worth a word, not a verdict. */
function contentTypeNote(response: HttpResponse): string {
  const type = response.headers["content-type"];
  if (type !== undefined && /\bjson\b/i.test(type)) return "";
  const served = type === undefined ? "without a content type" : `as ${untrustedText(type, 60)}`;
  return ` (served ${served}, expected application/json)`;
}

/**
 * Dockerflow's `checks` maps each check name to its level; names are code, never secrets, but
 * they come from the target: made printable and short like the status.
 */
function failingChecks(checks: unknown): string[] {
  if (!isRecord(checks)) return [];
  return Object.entries(checks)
    .filter(([, level]) => typeof level === "string" && !HEARTBEAT_OK.has(level))
    .slice(0, FAILING_CHECKS_SHOWN)
    .map(
      ([name, level]) => `${untrustedText(name, CHECK_NAME_MAX)}=${untrustedText(String(level), LEVEL_MAX)}`,
    );
}
