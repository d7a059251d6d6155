/**
 * `livekit` / `join`: what a browser does before any media flows. Get a token, open the signal
 * WebSocket (`/rtc`), require the first message to be a join response, measure one signal ping,
 * leave and close. Up when all of it happened within the deadline; the reason names the step that
 * failed and never holds the token. `Latency` is the time to the join response; the ICE servers
 * of the answer go to the TURN checks.
 */
import type { ProbeConfig } from "../../shared/config/index.ts";
import { type JoinTokenSource, joinTokenSource } from "../../shared/config/token-source.ts";
import { untrustedText } from "../../shared/text.ts";
import { joinUrl } from "../../shared/url.ts";
import type { PhaseTimings } from "../http.ts";
import type { MessageSocket } from "../sockets.ts";
import { attemptClock, elapsedSince } from "./attempt.ts";
import type { Attempt, AttemptContext, CheckPorts, CheckSpec, IceServer } from "./check.ts";
import { joinToken } from "./join-token.ts";
import {
  DisconnectReason,
  type JoinResponse,
  LeaveRequest,
  LeaveRequest_Action,
  Ping,
  responseCase,
  SignalRequest,
  SignalResponse,
} from "./livekit-signal.ts";

/** LiveKit's current signal protocol, as the JS SDK sends it; the SDK fields say who we are. */
const SIGNAL_PARAMS = { auto_subscribe: "0", sdk: "js", version: "2.21.0", protocol: "17" };
/** After the leave, how long the closing handshake may take before the connection is dropped. */
const CLOSE_GRACE_MS = 1_000;

export function livekitJoinCheck(config: ProbeConfig, vantage: string): CheckSpec | undefined {
  const livekit = config.targets.livekit;
  const source = joinTokenSource(config.targets);
  if (!livekit || source === undefined) return undefined;
  const signalUrl = joinUrl(livekit.url, "/rtc");
  signalUrl.protocol = signalUrl.protocol === "https:" ? "wss:" : "ws:";
  return {
    component: "livekit",
    check: "join",
    url: signalUrl.href,
    timeoutMs: livekit.join?.timeoutMs ?? livekit.timeoutMs ?? config.probe.timeoutMs,
    attempt: (ports, context) => attemptJoin(config, vantage, source, signalUrl, ports, context),
  };
}

async function attemptJoin(
  config: ProbeConfig,
  vantage: string,
  source: JoinTokenSource,
  signalUrl: URL,
  ports: CheckPorts,
  context: AttemptContext,
): Promise<Attempt> {
  const clock = attemptClock(context.timeoutMs);
  const remaining = clock.remainingMs;
  const down = (reason: string, timings: PhaseTimings = { totalMs: clock.elapsedMs() }): Attempt => ({
    verdict: { status: "down", reason },
    timings,
  });

  const token = await joinToken(source, {
    config,
    vantage,
    http: ports.http,
    credentials: ports.credentials,
    redact: context.redact,
    timeoutMs: remaining(),
  });
  if (!token.ok) {
    return {
      ...down(token.reason),
      ...(token.httpStatus === undefined ? {} : { httpStatus: token.httpStatus }),
    };
  }
  const url = new URL(signalUrl);
  url.searchParams.set("access_token", token.token);
  for (const [name, value] of Object.entries(SIGNAL_PARAMS)) url.searchParams.set(name, value);

  const connectStarted = performance.now();
  const opening = await ports.webSocket.open({
    url,
    tls: config.targets.livekit?.tls,
    timeoutMs: remaining(),
  });
  if (opening.failure) {
    const apiSecret = config.targets.livekit?.apiSecret;
    // A refused token may mean the secret was rotated: read it again on the next attempt.
    if (opening.status === 401 && source === "apiSecret" && apiSecret)
      ports.credentials.invalidate(apiSecret);
    return {
      ...down(upgradeFailure(opening.status, opening.failure.message, source), opening.timings),
      ...(opening.status === undefined ? {} : { httpStatus: opening.status }),
    };
  }
  const { socket } = opening;
  try {
    const first = await firstMessage(socket, remaining());
    // Latency: from the connection's start (DNS) to the join response.
    const timings: PhaseTimings = { ...opening.timings, totalMs: elapsedSince(connectStarted) };
    if ("reason" in first) return down(first.reason, timings);
    const join = first.join;
    const iceServers = join.iceServers.map(
      (server): IceServer => ({
        urls: [...server.urls],
        username: server.username,
        credential: server.credential,
      }),
    );
    for (const server of iceServers) {
      context.redact(server.username);
      context.redact(server.credential);
    }
    const info = {
      room: untrustedText(token.room),
      serverVersion: untrustedText(join.serverInfo?.version ?? "unknown"),
      serverRegion: untrustedText(join.serverInfo?.region || "none"),
      serverNode: untrustedText(join.serverInfo?.nodeId || "unknown"),
    };
    const base = {
      timings,
      httpStatus: 101,
      info,
      output: { kind: "iceServers" as const, servers: iceServers },
    };

    const ping = await signalPing(socket, remaining());
    if ("reason" in ping) return { ...base, verdict: { status: "down", reason: ping.reason } };
    const leave = new SignalRequest({
      message: {
        case: "leave",
        value: new LeaveRequest({
          reason: DisconnectReason.CLIENT_INITIATED,
          action: LeaveRequest_Action.DISCONNECT,
        }),
      },
    });
    if (!socket.send(leave.toBinary())) {
      return {
        ...base,
        verdict: { status: "down", reason: "the connection closed before the leave was sent" },
      };
    }
    return { ...base, verdict: { status: "up" }, measurements: { SignalPingRtt: ping.rttMs } };
  } finally {
    await socket.close(Math.min(CLOSE_GRACE_MS, remaining()));
  }
}

/** Why the upgrade failed, in the operator's words; the token is never part of it. */
function upgradeFailure(status: number | undefined, message: string, source: JoinTokenSource): string {
  if (status === undefined) return message;
  if (status === 401) {
    return source === "apiSecret"
      ? "token refused (HTTP 401 at the WebSocket upgrade): LiveKit does not know targets.livekit.apiKey or its secret (rotated?)"
      : "token refused (HTTP 401 at the WebSocket upgrade): Meet's backend signs with a key LiveKit does not know";
  }
  if (status === 403)
    return "join refused (HTTP 403 at the WebSocket upgrade): the token does not allow this room";
  if (status === 404) {
    return "HTTP 404 at the WebSocket upgrade: not LiveKit's /rtc (check targets.livekit.url), or the room does not exist and auto-create is off";
  }
  if (status >= 500) return `LiveKit could not prepare the session (HTTP ${status} at the WebSocket upgrade)`;
  return `the WebSocket upgrade was refused with HTTP ${status}`;
}

type First = { readonly join: JoinResponse } | { readonly reason: string };

async function firstMessage(socket: MessageSocket, timeoutMs: number): Promise<First> {
  const incoming = await socket.receive(timeoutMs);
  switch (incoming.kind) {
    case "timeout":
      return {
        reason: `no first message within ${timeoutMs} ms after the upgrade (expected the join response)`,
      };
    case "closed":
      return { reason: `LiveKit closed the connection (code ${incoming.code}) before the join response` };
    case "text":
      return { reason: "the first message is a text frame, expected a binary join response" };
    case "binary":
      break;
  }
  let response: SignalResponse;
  try {
    response = SignalResponse.fromBinary(incoming.data);
  } catch {
    return { reason: "the first message is not a LiveKit SignalResponse" };
  }
  const { message } = response;
  if (message.case === "join") return { join: message.value };
  if (message.case === "leave") {
    const reason = DisconnectReason[message.value.reason] ?? String(message.value.reason);
    return { reason: `LiveKit sent leave instead of join (reason ${untrustedText(reason, 40)})` };
  }
  return {
    reason: `the first message is "${untrustedText(responseCase(response), 40)}", expected the join response`,
  };
}

/** One ping_req and its pong_resp; other messages (room and participant updates) are skipped. */
async function signalPing(
  socket: MessageSocket,
  timeoutMs: number,
): Promise<{ readonly rttMs: number } | { readonly reason: string }> {
  const deadline = performance.now() + timeoutMs;
  const timestamp = BigInt(Date.now());
  const ping = new SignalRequest({ message: { case: "pingReq", value: new Ping({ timestamp, rtt: 0n }) } });
  const sent = performance.now();
  if (!socket.send(ping.toBinary())) return { reason: "the connection closed right after the join response" };
  for (;;) {
    const left = Math.floor(deadline - performance.now());
    const incoming = await socket.receive(Math.max(1, left));
    if (incoming.kind === "timeout") return { reason: `no pong to the signal ping within ${timeoutMs} ms` };
    if (incoming.kind === "closed") {
      return { reason: `LiveKit closed the connection (code ${incoming.code}) before answering the ping` };
    }
    if (incoming.kind !== "binary") continue;
    let response: SignalResponse;
    try {
      response = SignalResponse.fromBinary(incoming.data);
    } catch {
      continue;
    }
    const { message } = response;
    if (message.case === "pongResp" && message.value.lastPingTimestamp === timestamp) {
      return { rttMs: elapsedSince(sent) };
    }
    if (message.case === "leave") return { reason: "LiveKit sent leave right after the join" };
  }
}
