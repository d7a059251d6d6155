/**
 * A LiveKit stand-in speaking the real signal protocol (@livekit/protocol's protobuf messages over
 * a WebSocket on `/rtc`): it verifies the `access_token` with the SDK's TokenVerifier (401 at the
 * upgrade otherwise), answers with a join response listing the ICE servers it is given (a coturn
 * in the tests), a pong to each ping, and records the leave. Its behaviour can be switched to the
 * failures the join check must name: silence, leave first, no pong, a text frame first.
 * No LiveKit server binary can be installed on these machines (neither Debian nor npm ships one).
 */
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Duplex } from "node:stream";
import {
  DisconnectReason,
  ICEServer,
  JoinResponse,
  LeaveRequest,
  LeaveRequest_Action,
  ParticipantInfo,
  ParticipantUpdate,
  Pong,
  Room,
  ServerInfo,
  SessionDescription,
  SignalRequest,
  SignalResponse,
} from "@livekit/protocol";
import { TokenVerifier } from "livekit-server-sdk";
import { WebSocketServer, type WebSocket as WsSocket } from "ws";
import type { Pem } from "./certs.ts";
import { type RunningServer, sendText, serve } from "./servers.ts";

export type SignalBehaviour = "join" | "silent" | "leave-first" | "offer-first" | "no-pong" | "text-first";

export interface StandinIceServer {
  readonly urls: readonly string[];
  readonly username: string;
  readonly credential: string;
}

export interface LivekitStandinOptions {
  /** API keys LiveKit knows, with their secrets. */
  readonly keys: Readonly<Record<string, string>>;
  /** Serve https/wss with this certificate. */
  readonly tls?: Pem;
  readonly iceServers?: readonly StandinIceServer[];
}

/** What the stand-in saw of one join. */
export interface JoinRecord {
  readonly room: string;
  readonly identity: string;
  /** The query without the token. */
  readonly query: Readonly<Record<string, string>>;
  readonly grants: Readonly<Record<string, unknown>>;
  /** Seconds between the token's nbf and exp. */
  readonly ttlSeconds: number;
  pings: number;
  left: boolean;
}

export interface RunningLivekit extends RunningServer {
  /** The signal URL base (ws:// or wss://, no path). */
  readonly signalUrl: string;
  readonly joins: JoinRecord[];
  /** Tokens refused at the upgrade. */
  readonly refused: { reason: string }[];
  /** Every access token received (for the tests that prove none is ever shown). */
  readonly tokens: string[];
  behaviour: SignalBehaviour;
  iceServers: readonly StandinIceServer[];
}

export const STANDIN_SERVER_INFO = {
  version: "1.13.5",
  region: "standin-region",
  nodeId: "ND_standin",
} as const;

export async function startLivekitStandin(options: LivekitStandinOptions): Promise<RunningLivekit> {
  const sockets = new WebSocketServer({ noServer: true });
  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, respond)
    : createHttpServer(respond);
  const state = {
    joins: [] as JoinRecord[],
    refused: [] as { reason: string }[],
    tokens: [] as string[],
    behaviour: "join" as SignalBehaviour,
    iceServers: options.iceServers ?? [],
  };

  server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? "/", "http://livekit.test");
    if (url.pathname !== "/rtc") {
      socket.end("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    const token = url.searchParams.get("access_token") ?? "";
    state.tokens.push(token);
    verify(token, options.keys).then(
      (claims) => {
        const video = (claims.video ?? {}) as Record<string, unknown>;
        const room = typeof video.room === "string" ? video.room : "";
        const identity = typeof claims.sub === "string" ? claims.sub : "";
        if (video.roomJoin !== true || room === "" || identity === "") {
          refuse(socket, "permissions denied");
          return;
        }
        const query = Object.fromEntries([...url.searchParams].filter(([name]) => name !== "access_token"));
        const record: JoinRecord = {
          room,
          identity,
          query,
          grants: video,
          ttlSeconds: Number(claims.exp ?? 0) - Number(claims.nbf ?? 0),
          pings: 0,
          left: false,
        };
        sockets.handleUpgrade(request, socket, head, (ws) => {
          state.joins.push(record);
          session(ws, record);
        });
      },
      (error: unknown) => refuse(socket, error instanceof Error ? error.message : String(error)),
    );
  });

  function refuse(socket: Duplex, reason: string): void {
    state.refused.push({ reason });
    const body = `invalid token: ${reason}`;
    socket.end(`HTTP/1.1 401 Unauthorized\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }

  function session(ws: WsSocket, record: JoinRecord): void {
    const send = (response: SignalResponse): void => ws.send(response.toBinary());
    switch (state.behaviour) {
      case "silent":
        return;
      case "text-first":
        ws.send("{}");
        return;
      case "leave-first":
        send(
          new SignalResponse({
            message: {
              case: "leave",
              value: new LeaveRequest({
                reason: DisconnectReason.JOIN_FAILURE,
                action: LeaveRequest_Action.DISCONNECT,
              }),
            },
          }),
        );
        ws.close(1000);
        return;
      case "offer-first":
        send(
          new SignalResponse({
            message: { case: "offer", value: new SessionDescription({ type: "offer" }) },
          }),
        );
        return;
      default:
        break;
    }
    send(new SignalResponse({ message: { case: "join", value: joinResponse(record, state.iceServers) } }));
    // An update before the pong, as a real server sends: the check must skip it.
    send(new SignalResponse({ message: { case: "update", value: new ParticipantUpdate() } }));
    const ignorePings = state.behaviour === "no-pong";
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      const request = SignalRequest.fromBinary(new Uint8Array(data));
      const { message } = request;
      if (message.case === "pingReq") {
        record.pings++;
        if (ignorePings) return;
        const pong = new Pong({ lastPingTimestamp: message.value.timestamp, timestamp: BigInt(Date.now()) });
        send(new SignalResponse({ message: { case: "pongResp", value: pong } }));
      } else if (message.case === "leave") {
        record.left = true;
        ws.close(1000);
      }
    });
  }

  const running = await serve(server, { scheme: options.tls ? "https" : "http" });
  // Accessors, not copies: a test switches the behaviour of a running stand-in.
  return Object.defineProperties(running, {
    signalUrl: { value: running.url.replace(/^http/, "ws") },
    joins: { get: () => state.joins },
    refused: { get: () => state.refused },
    tokens: { get: () => state.tokens },
    behaviour: {
      get: () => state.behaviour,
      set: (value: SignalBehaviour) => {
        state.behaviour = value;
      },
    },
    iceServers: {
      get: () => state.iceServers,
      set: (value: readonly StandinIceServer[]) => {
        state.iceServers = value;
      },
    },
  }) as RunningLivekit;
}

/** LiveKit's health answer on `/`, 404 for `/rtc` without an upgrade. */
function respond(request: IncomingMessage, response: import("node:http").ServerResponse): void {
  if (request.url === "/") sendText(response, 200, "OK");
  else sendText(response, 404, "404 page not found");
}

function joinResponse(record: JoinRecord, iceServers: readonly StandinIceServer[]): JoinResponse {
  return new JoinResponse({
    room: new Room({ name: record.room, sid: "RM_standin" }),
    participant: new ParticipantInfo({ sid: "PA_standin", identity: record.identity }),
    serverInfo: new ServerInfo(STANDIN_SERVER_INFO),
    iceServers: iceServers.map(
      (server) =>
        new ICEServer({ urls: [...server.urls], username: server.username, credential: server.credential }),
    ),
    pingInterval: 5,
    pingTimeout: 15,
  });
}

/** The token's claims when one of `keys` signed it (its issuer names the key). */
async function verify(
  token: string,
  keys: Readonly<Record<string, string>>,
): Promise<Record<string, unknown>> {
  const payload = token.split(".")[1];
  if (payload === undefined) throw new Error("not a JWT");
  const issuer: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")).iss;
  const secret = typeof issuer === "string" ? keys[issuer] : undefined;
  if (typeof issuer !== "string" || secret === undefined) throw new Error("unknown API key");
  return (await new TokenVerifier(issuer, secret).verify(token)) as Record<string, unknown>;
}
