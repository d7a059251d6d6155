/**
 * The join check's part of the signal protocol against @livekit/protocol itself, at the version the
 * LiveKit SDK pins: every declared field as the package declares it, every case name, and messages
 * written by one side read by the other.
 */
import { BinaryWriter, type FieldInfo, type MessageType, WireType } from "@bufbuild/protobuf";
import * as livekit from "@livekit/protocol";
import { describe, expect, it } from "vitest";
import * as ours from "../../../../functions/probe/checks/livekit-signal.ts";

const PAIRS: readonly (readonly [MessageType, MessageType])[] = [
  [ours.Ping, livekit.Ping],
  [ours.Pong, livekit.Pong],
  [ours.LeaveRequest, livekit.LeaveRequest],
  [ours.ICEServer, livekit.ICEServer],
  [ours.ServerInfo, livekit.ServerInfo],
  [ours.JoinResponse, livekit.JoinResponse],
  [ours.SignalRequest, livekit.SignalRequest],
  [ours.SignalResponse, livekit.SignalResponse],
];

/** What the wire and the generated names depend on; a message or enum by its type name. */
function shape(field: FieldInfo): Record<string, unknown> {
  return {
    no: field.no,
    name: field.name,
    localName: field.localName,
    jsonName: field.jsonName,
    kind: field.kind,
    type: field.kind === "scalar" ? field.T : field.kind === "map" ? field.K : field.T.typeName,
    repeated: field.repeated,
    oneof: field.oneof?.name,
  };
}

describe("the join check's signal messages", () => {
  it.each(PAIRS.map(([mine, theirs]) => [mine.typeName, mine, theirs] as const))(
    "declare %s's fields as @livekit/protocol does",
    (_name, mine, theirs) => {
      expect(mine.typeName).toBe(theirs.typeName);
      expect(mine.fields.list().length).toBeGreaterThan(0);
      for (const field of mine.fields.list()) {
        const real = theirs.fields.find(field.no);
        expect(real, `${mine.typeName} field ${field.no}`).toBeDefined();
        if (real) expect(shape(field)).toEqual(shape(real));
      }
    },
  );

  it("know every case of SignalResponse by the package's own names", () => {
    const cases = livekit.SignalResponse.fields
      .list()
      .filter((field) => field.oneof?.name === "message")
      .map((field) => [field.no, field.localName]);
    expect(Object.entries(ours.RESPONSE_CASES).map(([no, name]) => [Number(no), name])).toEqual(cases);
  });

  it("read a join response the package wrote, with the fields a real server fills besides", () => {
    const written = new livekit.SignalResponse({
      message: {
        case: "join",
        value: new livekit.JoinResponse({
          room: new livekit.Room({ name: "connection-test-monitor-x", sid: "RM_1" }),
          participant: new livekit.ParticipantInfo({ identity: "monitor", sid: "PA_1" }),
          iceServers: [
            new livekit.ICEServer({
              urls: ["turn:turn.example:3478?transport=udp"],
              username: "u",
              credential: "c",
            }),
            new livekit.ICEServer({ urls: ["turns:turn.example:5349?transport=tcp"] }),
          ],
          serverVersion: "1.9.0",
          serverInfo: new livekit.ServerInfo({
            version: "1.9.0",
            region: "eu",
            nodeId: "ND_1",
            protocol: 16,
          }),
          clientConfiguration: new livekit.ClientConfiguration({}),
          pingInterval: 5,
          pingTimeout: 15,
        }),
      },
    }).toBinary();
    const read = ours.SignalResponse.fromBinary(written);
    expect(read.message.case).toBe("join");
    if (read.message.case !== "join") return;
    expect(read.message.value.iceServers.map((server) => ({ ...server }))).toEqual([
      { urls: ["turn:turn.example:3478?transport=udp"], username: "u", credential: "c" },
      { urls: ["turns:turn.example:5349?transport=tcp"], username: "", credential: "" },
    ]);
    expect(read.message.value.serverInfo).toMatchObject({ version: "1.9.0", region: "eu", nodeId: "ND_1" });
  });

  it("read the package's leave and pong", () => {
    const leave = ours.SignalResponse.fromBinary(
      new livekit.SignalResponse({
        message: {
          case: "leave",
          value: new livekit.LeaveRequest({
            reason: livekit.DisconnectReason.ROOM_DELETED,
            action: livekit.LeaveRequest_Action.DISCONNECT,
          }),
        },
      }).toBinary(),
    );
    expect(leave.message.case === "leave" && ours.DisconnectReason[leave.message.value.reason]).toBe(
      "ROOM_DELETED",
    );
    const pong = ours.SignalResponse.fromBinary(
      new livekit.SignalResponse({
        message: { case: "pongResp", value: new livekit.Pong({ lastPingTimestamp: 42n, timestamp: 43n }) },
      }).toBinary(),
    );
    expect(pong.message.case === "pongResp" && pong.message.value.lastPingTimestamp).toBe(42n);
  });

  it("write a ping and a leave the package reads as such", () => {
    const ping = livekit.SignalRequest.fromBinary(
      new ours.SignalRequest({
        message: { case: "pingReq", value: new ours.Ping({ timestamp: 1234n, rtt: 0n }) },
      }).toBinary(),
    );
    expect(ping.message).toEqual({ case: "pingReq", value: new livekit.Ping({ timestamp: 1234n, rtt: 0n }) });
    const leave = livekit.SignalRequest.fromBinary(
      new ours.SignalRequest({
        message: {
          case: "leave",
          value: new ours.LeaveRequest({
            reason: ours.DisconnectReason.CLIENT_INITIATED,
            action: ours.LeaveRequest_Action.DISCONNECT,
          }),
        },
      }).toBinary(),
    );
    expect(leave.message.case).toBe("leave");
    expect(leave.message.value).toEqual(
      new livekit.LeaveRequest({
        reason: livekit.DisconnectReason.CLIENT_INITIATED,
        action: livekit.LeaveRequest_Action.DISCONNECT,
      }),
    );
  });

  it("name a case the check does not read, and one newer than this protocol version", () => {
    const offer = new livekit.SignalResponse({
      message: { case: "offer", value: new livekit.SessionDescription({ type: "offer", sdp: "v=0" }) },
    }).toBinary();
    expect(ours.responseCase(ours.SignalResponse.fromBinary(offer))).toBe("offer");
    const refresh = new livekit.SignalResponse({ message: { case: "refreshToken", value: "t" } }).toBinary();
    expect(ours.responseCase(ours.SignalResponse.fromBinary(refresh))).toBe("refreshToken");
    // Field 99 holding a small message: a case a later LiveKit may add.
    const newer = new BinaryWriter()
      .tag(99, WireType.LengthDelimited)
      .bytes(new Uint8Array([0x08, 0x01]))
      .finish();
    expect(ours.responseCase(ours.SignalResponse.fromBinary(newer))).toBe("field 99");
    expect(ours.responseCase(ours.SignalResponse.fromBinary(new Uint8Array()))).toBe("empty");
  });
});
