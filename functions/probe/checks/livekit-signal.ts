/**
 * The part of LiveKit's signal protocol (livekit_rtc.proto) the join check speaks: the join
 * response, a ping and its pong, and the leave request. Declared the way @livekit/protocol's own
 * build declares them (`proto3.makeMessageType`, same type names, field numbers and types), on the
 * same @bufbuild/protobuf runtime, but only the fields the check reads or writes: protobuf skips
 * the others on the wire. The package's `SignalResponse` brings every message the signal channel
 * can carry (28 KB of the Lambda bundle) where the check reads three. The enums are the package's
 * own. `test/functions/probe/checks/livekit-signal.test.ts` pins every field and name below to
 * the @livekit/protocol version the LiveKit SDK pins, and round-trips messages between the two.
 */
import { type Message, proto3, ScalarType } from "@bufbuild/protobuf";
import { DisconnectReason, LeaveRequest_Action } from "@livekit/protocol";

export { DisconnectReason, LeaveRequest_Action };

export interface Ping extends Message<Ping> {
  timestamp: bigint;
  rtt: bigint;
}
export const Ping = proto3.makeMessageType<Ping>("livekit.Ping", () => [
  { no: 1, name: "timestamp", kind: "scalar", T: ScalarType.INT64 },
  { no: 2, name: "rtt", kind: "scalar", T: ScalarType.INT64 },
]);

export interface Pong extends Message<Pong> {
  lastPingTimestamp: bigint;
  timestamp: bigint;
}
export const Pong = proto3.makeMessageType<Pong>("livekit.Pong", () => [
  { no: 1, name: "last_ping_timestamp", kind: "scalar", T: ScalarType.INT64 },
  { no: 2, name: "timestamp", kind: "scalar", T: ScalarType.INT64 },
]);

export interface LeaveRequest extends Message<LeaveRequest> {
  canReconnect: boolean;
  reason: DisconnectReason;
  action: LeaveRequest_Action;
}
export const LeaveRequest = proto3.makeMessageType<LeaveRequest>("livekit.LeaveRequest", () => [
  { no: 1, name: "can_reconnect", kind: "scalar", T: ScalarType.BOOL },
  { no: 2, name: "reason", kind: "enum", T: proto3.getEnumType(DisconnectReason) },
  { no: 3, name: "action", kind: "enum", T: proto3.getEnumType(LeaveRequest_Action) },
]);

export interface ICEServer extends Message<ICEServer> {
  urls: string[];
  username: string;
  credential: string;
}
export const ICEServer = proto3.makeMessageType<ICEServer>("livekit.ICEServer", () => [
  { no: 1, name: "urls", kind: "scalar", T: ScalarType.STRING, repeated: true },
  { no: 2, name: "username", kind: "scalar", T: ScalarType.STRING },
  { no: 3, name: "credential", kind: "scalar", T: ScalarType.STRING },
]);

export interface ServerInfo extends Message<ServerInfo> {
  version: string;
  region: string;
  nodeId: string;
}
export const ServerInfo = proto3.makeMessageType<ServerInfo>("livekit.ServerInfo", () => [
  { no: 2, name: "version", kind: "scalar", T: ScalarType.STRING },
  { no: 4, name: "region", kind: "scalar", T: ScalarType.STRING },
  { no: 5, name: "node_id", kind: "scalar", T: ScalarType.STRING },
]);

export interface JoinResponse extends Message<JoinResponse> {
  iceServers: ICEServer[];
  serverInfo?: ServerInfo;
}
export const JoinResponse = proto3.makeMessageType<JoinResponse>("livekit.JoinResponse", () => [
  { no: 5, name: "ice_servers", kind: "message", T: ICEServer, repeated: true },
  { no: 12, name: "server_info", kind: "message", T: ServerInfo },
]);

/** What the client sends: the ping request and the leave. */
export interface SignalRequest extends Message<SignalRequest> {
  message:
    | { case: "leave"; value: LeaveRequest }
    | { case: "pingReq"; value: Ping }
    | { case: undefined; value?: undefined };
}
export const SignalRequest = proto3.makeMessageType<SignalRequest>("livekit.SignalRequest", () => [
  { no: 8, name: "leave", kind: "message", T: LeaveRequest, oneof: "message" },
  { no: 16, name: "ping_req", kind: "message", T: Ping, oneof: "message" },
]);

/** What the server sends, as far as the join check reads it; other cases stay unknown fields. */
export interface SignalResponse extends Message<SignalResponse> {
  message:
    | { case: "join"; value: JoinResponse }
    | { case: "leave"; value: LeaveRequest }
    | { case: "pongResp"; value: Pong }
    | { case: undefined; value?: undefined };
}
export const SignalResponse = proto3.makeMessageType<SignalResponse>("livekit.SignalResponse", () => [
  { no: 1, name: "join", kind: "message", T: JoinResponse, oneof: "message" },
  { no: 8, name: "leave", kind: "message", T: LeaveRequest, oneof: "message" },
  { no: 20, name: "pong_resp", kind: "message", T: Pong, oneof: "message" },
]);

/**
 * The names of SignalResponse's cases, by field number, for a reason that says what came instead
 * of the join response ("offer", "roomMoved"); a case newer than this list shows as its number.
 */
export const RESPONSE_CASES: Readonly<Record<number, string>> = {
  1: "join",
  2: "answer",
  3: "offer",
  4: "trickle",
  5: "update",
  6: "trackPublished",
  8: "leave",
  9: "mute",
  10: "speakersChanged",
  11: "roomUpdate",
  12: "connectionQuality",
  13: "streamStateUpdate",
  14: "subscribedQualityUpdate",
  15: "subscriptionPermissionUpdate",
  16: "refreshToken",
  17: "trackUnpublished",
  18: "pong",
  19: "reconnect",
  20: "pongResp",
  21: "subscriptionResponse",
  22: "requestResponse",
  23: "trackSubscribed",
  24: "roomMoved",
  25: "mediaSectionsRequirement",
  26: "subscribedAudioCodecUpdate",
  27: "publishDataTrackResponse",
  28: "unpublishDataTrackResponse",
  29: "dataTrackSubscriberHandles",
  30: "storeDataBlobResponse",
  31: "getDataBlobResponse",
};

/** The case a response carries: a name when it is one of this protocol version's, else `field N`. */
export function responseCase(response: SignalResponse): string {
  if (response.message.case !== undefined) return response.message.case;
  const [unknown] = proto3.bin.listUnknownFields(response);
  if (unknown === undefined) return "empty";
  return RESPONSE_CASES[unknown.no] ?? `field ${unknown.no}`;
}
