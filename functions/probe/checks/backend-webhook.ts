/**
 * `backend` / `webhook`: POST what LiveKit posts when a room starts, signed the way LiveKit signs
 * it, to Meet's webhook endpoint. The room is a `connection-test-monitor-...` room, which Meet
 * acknowledges with 200 and otherwise ignores. 401 or 400 means the backend and LiveKit disagree
 * on the API key or secret: LiveKit's own webhooks (room state, recordings) are refused too.
 */
import { createHash, randomBytes } from "node:crypto";
import { AccessToken } from "livekit-server-sdk";
import type { ProbeConfig } from "../../shared/config/index.ts";
import { joinUrl } from "../../shared/url.ts";
import { safeSend } from "../guard.ts";
import type { HttpResponse } from "../http.ts";
import { attemptClock, readCredential } from "./attempt.ts";
import type { Attempt, AttemptContext, CheckPorts, CheckSpec, Verdict } from "./check.ts";
import { judgeExchange, looksLikeHtml } from "./http-check.ts";
import { monitorRoomName, TOKEN_TTL_SECONDS } from "./join-token.ts";

export const WEBHOOK_PATH = "/api/v1.0/rooms/webhooks-livekit/";
const WEBHOOK_BODY_LIMIT = 64 * 1024;

export function backendWebhookCheck(config: ProbeConfig, vantage: string): CheckSpec | undefined {
  const { backend, livekit } = config.targets;
  if (backend?.webhook !== true || livekit?.apiKey === undefined || livekit.apiSecret === undefined) {
    return undefined;
  }
  const { apiKey, apiSecret } = livekit;
  const url = joinUrl(backend.url, WEBHOOK_PATH);
  const timeoutMs = backend.timeoutMs ?? config.probe.timeoutMs;
  return {
    component: "backend",
    check: "webhook",
    url: url.href,
    timeoutMs,
    attempt: async (ports: CheckPorts, context: AttemptContext): Promise<Attempt> => {
      const clock = attemptClock(context.timeoutMs);
      const secret = await readCredential(
        ports.credentials,
        apiSecret,
        "targets.livekit.apiSecret",
        context.timeoutMs,
        context.redact,
      );
      if ("reason" in secret) {
        return {
          verdict: { status: "down", reason: secret.reason },
          timings: { totalMs: clock.elapsedMs() },
        };
      }
      const { body, authorization } = await signedRoomStarted(apiKey, secret.value, vantage);
      context.redact(authorization);
      const exchange = await safeSend(ports.http, {
        method: "POST",
        url,
        headers: {
          ...backend.headers,
          "content-type": "application/webhook+json",
          // LiveKit sends the bare JWT, without "Bearer".
          authorization,
        },
        body,
        timeoutMs: clock.remainingMs(),
        maxBodyBytes: WEBHOOK_BODY_LIMIT,
        ...(backend.tls ? { tls: backend.tls } : {}),
      });
      const status = exchange.response?.status;
      // Refused signatures may mean the secret was rotated: read it again on the next attempt.
      if (status === 401 || status === 400) ports.credentials.invalidate(apiSecret);
      return {
        verdict: judgeExchange(exchange, judgeWebhook),
        timings: exchange.timings,
        ...(exchange.response ? { httpStatus: exchange.response.status } : {}),
      };
    },
  };
}

/**
 * A `room_started` event as LiveKit sends it, and its signature. The body is the protobuf JSON
 * form of livekit.WebhookEvent (int64 fields as strings), written out here: building it with
 * @livekit/protocol's WebhookEvent class would bundle every message type an event can carry
 * (egress and ingress infos among them) for four fields. The tests parse it with the SDK's own
 * WebhookReceiver, so it stays what LiveKit sends.
 */
export async function signedRoomStarted(
  apiKey: string,
  apiSecret: string,
  vantage: string,
): Promise<{ body: string; authorization: string }> {
  const now = String(Math.floor(Date.now() / 1000));
  const body = JSON.stringify({
    event: "room_started",
    room: {
      sid: `RM_monitor${randomBytes(6).toString("hex")}`,
      name: monitorRoomName(vantage),
      creationTime: now,
    },
    id: `EV_monitor${randomBytes(6).toString("hex")}`,
    createdAt: now,
  });
  const token = new AccessToken(apiKey, apiSecret, { ttl: TOKEN_TTL_SECONDS });
  token.sha256 = createHash("sha256").update(body, "utf8").digest("base64");
  return { body, authorization: await token.toJwt() };
}

export function judgeWebhook(response: HttpResponse): Verdict {
  const { status } = response;
  if (status === 200) return { status: "up" };
  if (status === 401 || status === 400) {
    return {
      status: "down",
      reason: `HTTP ${status}: the backend refused a LiveKit-signed webhook: Meet and LiveKit disagree on the API key or secret (Meet's LIVEKIT_API_KEY/LIVEKIT_API_SECRET against LiveKit's keys)`,
    };
  }
  if (status === 422)
    return { status: "down", reason: "HTTP 422: the backend does not accept room_started events" };
  if (looksLikeHtml(response)) {
    return {
      status: "down",
      reason: `got HTML (HTTP ${status}): the URL reaches the frontend, not the backend`,
    };
  }
  if (status === 404) return { status: "down", reason: `HTTP 404: no webhook endpoint at ${WEBHOOK_PATH}` };
  return { status: "down", reason: `unexpected status ${status}, expected 200` };
}
