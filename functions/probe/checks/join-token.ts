/**
 * The join's token: minted by the monitor with the LiveKit key pair (valid for a minute, for a
 * hidden participant that may neither publish nor subscribe), or issued by Meet's own connection
 * test (`POST /api/v1.0/diagnostics/connection/`), which also proves the backend can issue
 * tokens LiveKit accepts. Every token is registered for redaction before it is used.
 */
import { randomBytes } from "node:crypto";
import { AccessToken } from "livekit-server-sdk";
import type { JoinTokenSource, ProbeConfig } from "../../shared/config/index.ts";
import { isRecord } from "../../shared/errors.ts";
import { joinUrl } from "../../shared/url.ts";
import type { CredentialResolver } from "../credentials.ts";
import { safeSend } from "../guard.ts";
import type { HttpPort } from "../http.ts";
import { readCredential } from "./attempt.ts";
import { looksLikeHtml, redirectText } from "./http-check.ts";
import { slug } from "./text.ts";

/** Meet ignores the webhooks of rooms whose name starts with `connection-test`. */
export const MONITOR_ROOM_PREFIX = "connection-test-monitor-";
/** Long enough for a join and its retry, short enough to be useless if it ever leaked. */
export const TOKEN_TTL_SECONDS = 60;
export const CONNECTION_TEST_PATH = "/api/v1.0/diagnostics/connection/";
const CONNECTION_TEST_BODY_LIMIT = 64 * 1024;

export type JoinToken =
  | { readonly ok: true; readonly token: string; readonly room: string }
  | { readonly ok: false; readonly reason: string; readonly httpStatus?: number };

export interface TokenContext {
  readonly config: ProbeConfig;
  readonly vantage: string;
  readonly http: HttpPort;
  readonly credentials: CredentialResolver;
  readonly redact: (value: string) => void;
  readonly timeoutMs: number;
}

export function joinToken(source: JoinTokenSource, context: TokenContext): Promise<JoinToken> {
  return source === "apiSecret" ? mintToken(context) : connectionTestToken(context);
}

/** A unique room per join: `connection-test-monitor-<vantage>-<random>`. */
export function monitorRoomName(vantage: string): string {
  return `${MONITOR_ROOM_PREFIX}${slug(vantage)}-${randomBytes(4).toString("hex")}`;
}

async function mintToken(context: TokenContext): Promise<JoinToken> {
  const livekit = context.config.targets.livekit;
  if (livekit?.apiKey === undefined || livekit.apiSecret === undefined) {
    return { ok: false, reason: "no LiveKit key pair configured" };
  }
  const secret = await readCredential(
    context.credentials,
    livekit.apiSecret,
    "targets.livekit.apiSecret",
    context.timeoutMs,
    context.redact,
  );
  if ("reason" in secret) return { ok: false, reason: secret.reason };
  const room = monitorRoomName(context.vantage);
  const token = new AccessToken(livekit.apiKey, secret.value, {
    identity: `monitor-${slug(context.vantage)}-${randomBytes(4).toString("hex")}`,
    name: "Meet synthetic monitor",
    ttl: TOKEN_TTL_SECONDS,
  });
  token.addGrant({
    roomJoin: true,
    room,
    hidden: true,
    canPublish: false,
    canSubscribe: false,
    canPublishData: false,
  });
  const jwt = await token.toJwt();
  context.redact(jwt);
  return { ok: true, token: jwt, room };
}

async function connectionTestToken(context: TokenContext): Promise<JoinToken> {
  const backend = context.config.targets.backend;
  if (!backend) return { ok: false, reason: "no backend target for the connection test" };
  const exchange = await safeSend(context.http, {
    method: "POST",
    url: joinUrl(backend.url, CONNECTION_TEST_PATH),
    headers: { ...backend.headers, "content-type": "application/json", accept: "application/json" },
    body: "{}",
    timeoutMs: context.timeoutMs,
    maxBodyBytes: CONNECTION_TEST_BODY_LIMIT,
    ...(backend.tls ? { tls: backend.tls } : {}),
  });
  const prefix = `connection test (POST ${CONNECTION_TEST_PATH})`;
  if (exchange.failure) return { ok: false, reason: `${prefix}: ${exchange.failure.message}` };
  const { response } = exchange;
  const status = response.status;
  const fail = (reason: string): JoinToken => ({
    ok: false,
    reason: `${prefix}: ${reason}`,
    httpStatus: status,
  });
  if (status === 404) {
    return fail(
      "HTTP 404: the connection test is off (set CONNECTION_TEST_ENABLED in Meet's backend, Meet 1.25+)",
    );
  }
  if (status === 429)
    return fail("HTTP 429: throttled (Meet allows 30 connection tests a minute by default)");
  const redirect = redirectText(response);
  if (redirect !== undefined)
    return fail(`${redirect} (not followed: point targets.backend.url at the backend)`);
  if (looksLikeHtml(response))
    return fail(`got HTML (HTTP ${status}): the URL reaches the frontend, not the backend`);
  if (status !== 200 && status !== 201) return fail(`HTTP ${status}, expected 200 with a token`);
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    return fail(`the answer is not JSON (HTTP ${status})`);
  }
  const livekit = isRecord(json) && isRecord(json.livekit) ? json.livekit : undefined;
  const token = typeof livekit?.token === "string" && livekit.token !== "" ? livekit.token : undefined;
  if (token === undefined || livekit === undefined) return fail('the answer has no "livekit.token"');
  context.redact(token);
  const room = typeof livekit.room === "string" ? livekit.room : "(unknown room)";
  return { ok: true, token, room };
}
