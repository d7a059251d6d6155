/**
 * A Meet backend stand-in for the deep checks: the LiveKit webhook endpoint, which verifies the
 * signature with the SDK's WebhookReceiver exactly as Meet's does with LiveKit's Python receiver
 * (missing header 401, bad signature or body 400, unknown event 422, 200 for connection-test
 * rooms), the connection test that issues LiveKit tokens (404 when switched off), and the
 * Dockerflow heartbeat.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { AccessToken, WebhookReceiver } from "livekit-server-sdk";
import { type RunningServer, sendJson, serve } from "./servers.ts";

export interface MeetBackendOptions {
  /** The LiveKit key pair Meet's backend holds (LIVEKIT_API_KEY / LIVEKIT_API_SECRET). */
  readonly apiKey: string;
  readonly apiSecret: string;
  /** CONNECTION_TEST_ENABLED. @default false */
  readonly connectionTest?: boolean;
  /** The LiveKit URL the connection test hands out. */
  readonly livekitUrl?: string;
}

export interface ReceivedWebhook {
  readonly status: number;
  readonly event?: string;
  readonly room?: string;
}

export interface RunningMeetBackend extends RunningServer {
  readonly webhooks: ReceivedWebhook[];
  /** Every Authorization header of a webhook, and every token the connection test issued. */
  readonly secretsSeen: string[];
  /** Connection tests answered (tokens issued). */
  readonly connectionTests: number;
  connectionTestEnabled: boolean;
}

const KNOWN_EVENTS = new Set([
  "room_started",
  "room_finished",
  "participant_joined",
  "participant_left",
  "track_published",
  "track_unpublished",
  "egress_started",
  "egress_updated",
  "egress_ended",
]);

export async function startMeetBackend(options: MeetBackendOptions): Promise<RunningMeetBackend> {
  const receiver = new WebhookReceiver(options.apiKey, options.apiSecret);
  const state = {
    webhooks: [] as ReceivedWebhook[],
    secretsSeen: [] as string[],
    connectionTests: 0,
    enabled: options.connectionTest ?? false,
  };

  const webhook = async (request: IncomingMessage, body: string, response: ServerResponse): Promise<void> => {
    const authorization = request.headers.authorization;
    const answer = (status: number, payload: unknown, event?: string, room?: string): void => {
      state.webhooks.push({ status, ...(event ? { event } : {}), ...(room ? { room } : {}) });
      sendJson(response, status, payload);
    };
    if (!authorization) return answer(401, { detail: "Authorization header missing" });
    state.secretsSeen.push(authorization);
    let event: Awaited<ReturnType<WebhookReceiver["receive"]>>;
    try {
      event = await receiver.receive(body, authorization);
    } catch {
      return answer(400, { detail: "Invalid webhook" });
    }
    const room = event.room?.name;
    if (!KNOWN_EVENTS.has(event.event)) return answer(422, { detail: "Unknown event" }, event.event, room);
    answer(200, { status: "success" }, event.event, room);
  };

  const connectionTest = async (response: ServerResponse): Promise<void> => {
    if (!state.enabled) return sendJson(response, 404, { detail: "Not found." });
    state.connectionTests++;
    const room = `connection-test-${randomUUID()}`;
    const token = new AccessToken(options.apiKey, options.apiSecret, { identity: randomUUID(), ttl: 300 });
    token.addGrant({ roomJoin: true, room, canPublish: true, canSubscribe: true });
    const jwt = await token.toJwt();
    state.secretsSeen.push(jwt);
    sendJson(response, 200, {
      livekit: { url: options.livekitUrl ?? "", room, token: jwt, expires_in: 300 },
    });
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const route = `${request.method} ${request.url}`;
      const done = (promise: Promise<void>): void => {
        promise.catch((error: unknown) => sendJson(response, 500, { detail: String(error) }));
      };
      if (route === "POST /api/v1.0/rooms/webhooks-livekit/") done(webhook(request, body, response));
      else if (route === "POST /api/v1.0/diagnostics/connection/") done(connectionTest(response));
      else if (route === "GET /__heartbeat__") sendJson(response, 200, { status: "ok", checks: {} });
      else sendJson(response, 404, { detail: "Not found." });
    });
  });
  const running = await serve(server);
  // Accessors, not copies: a test switches the connection test of a running stand-in.
  return Object.defineProperties(running, {
    webhooks: { get: () => state.webhooks },
    secretsSeen: { get: () => state.secretsSeen },
    connectionTests: { get: () => state.connectionTests },
    connectionTestEnabled: {
      get: () => state.enabled,
      set: (value: boolean) => {
        state.enabled = value;
      },
    },
  }) as RunningMeetBackend;
}
