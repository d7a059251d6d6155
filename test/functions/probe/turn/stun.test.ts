/** The STUN/TURN codec against RFC 5769's test vectors and the TURN messages the check sends. */
import { describe, expect, it } from "vitest";
import {
  ATTRIBUTE,
  decode,
  encode,
  errorCodeOf,
  longTermKey,
  METHOD,
  messageType,
  requestedTransport,
  TRANSPORT_UDP,
  textAttribute,
  textOf,
  uint32Attribute,
  uint32Of,
  verifyIntegrity,
  xorAddressOf,
} from "../../../../functions/probe/turn/stun.ts";

const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.replace(/\s+/g, ""), "hex"));

/** RFC 5769 2.1: a Binding request with short-term credentials and FINGERPRINT (padding 0x20). */
const SAMPLE_REQUEST = hex(`
  00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
  00 24 00 04 6e 00 01 ff
  80 29 00 08 93 2f f9 b1 51 26 3b 36
  00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
  00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
  80 28 00 04 e5 7a 3b cf`);
const SHORT_TERM_PASSWORD = "VOkJxbRl1RmTxUk/WvJxBt";

/** RFC 5769 2.2: the IPv4 Binding success answer (192.0.2.1:32853). */
const SAMPLE_IPV4_RESPONSE = hex(`
  01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
  00 20 00 08 00 01 a1 47 e1 12 a6 43
  00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
  80 28 00 04 c0 7d 4c 96`);

/** RFC 5769 2.3: the IPv6 Binding success answer ([2001:db8:1234:5678:11:2233:4455:6677]:32853). */
const SAMPLE_IPV6_RESPONSE = hex(`
  01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
  00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
  00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
  80 28 00 04 c8 fb 0b 4c`);

/** RFC 5769 2.4: a request with long-term credentials (USERNAME, NONCE, REALM, MESSAGE-INTEGRITY). */
const SAMPLE_LONG_TERM_REQUEST = hex(`
  00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
  00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00
  00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41
  00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
  00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66`);
const LONG_TERM = {
  username: "\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9",
  // The RFC's password after SASLprep (LiveKit's and coturn's credentials are plain ASCII).
  password: "TheMatrIX",
  realm: "example.org",
  nonce: "f//499k954d6OL34oL9FSTvy64sA",
};

const shortTermKey = new Uint8Array(Buffer.from(SHORT_TERM_PASSWORD, "utf8"));

describe("STUN codec (RFC 5769 vectors)", () => {
  it("encodes the long-term credential request byte for byte", () => {
    const encoded = encode(
      {
        method: METHOD.binding,
        class: "request",
        transactionId: SAMPLE_LONG_TERM_REQUEST.subarray(8, 20),
        attributes: [
          textAttribute(ATTRIBUTE.username, LONG_TERM.username),
          textAttribute(ATTRIBUTE.nonce, LONG_TERM.nonce),
          textAttribute(ATTRIBUTE.realm, LONG_TERM.realm),
        ],
      },
      { integrityKey: longTermKey(LONG_TERM.username, LONG_TERM.realm, LONG_TERM.password) },
    );
    expect(Buffer.from(encoded).toString("hex")).toBe(Buffer.from(SAMPLE_LONG_TERM_REQUEST).toString("hex"));
  });

  it("verifies MESSAGE-INTEGRITY with the long-term key, and refuses a changed byte or a wrong password", () => {
    const key = longTermKey(LONG_TERM.username, LONG_TERM.realm, LONG_TERM.password);
    expect(verifyIntegrity(SAMPLE_LONG_TERM_REQUEST, key)).toBe(true);
    expect(
      verifyIntegrity(SAMPLE_LONG_TERM_REQUEST, longTermKey(LONG_TERM.username, LONG_TERM.realm, "x")),
    ).toBe(false);
    const changed = new Uint8Array(SAMPLE_LONG_TERM_REQUEST);
    changed[32] = 10;
    expect(verifyIntegrity(changed, key)).toBe(false);
  });

  it("decodes the sample request: FINGERPRINT checked, short-term integrity, attributes", () => {
    const decoded = decode(SAMPLE_REQUEST);
    if (!decoded.ok) throw new Error(decoded.error);
    expect(decoded.message).toMatchObject({ method: METHOD.binding, class: "request" });
    expect(textOf(decoded.message, ATTRIBUTE.username)).toBe("evtj:h6vY");
    expect(textOf(decoded.message, ATTRIBUTE.software)).toBe("STUN test client");
    expect(verifyIntegrity(SAMPLE_REQUEST, shortTermKey)).toBe(true);
  });

  it("refuses a message whose FINGERPRINT does not match", () => {
    const changed = new Uint8Array(SAMPLE_REQUEST);
    changed[27] = 23;
    expect(decode(changed)).toEqual({ ok: false, error: "FINGERPRINT does not match the message" });
  });

  it("decodes XOR-MAPPED-ADDRESS over IPv4 and IPv6", () => {
    const v4 = decode(SAMPLE_IPV4_RESPONSE);
    const v6 = decode(SAMPLE_IPV6_RESPONSE);
    if (!v4.ok || !v6.ok) throw new Error("decode failed");
    expect(v4.message.class).toBe("success");
    expect(xorAddressOf(v4.message, ATTRIBUTE.xorMappedAddress)).toEqual({
      family: "IPv4",
      address: "192.0.2.1",
      port: 32853,
    });
    expect(xorAddressOf(v6.message, ATTRIBUTE.xorMappedAddress)).toEqual({
      family: "IPv6",
      address: "2001:db8:1234:5678:11:2233:4455:6677",
      port: 32853,
    });
    expect(verifyIntegrity(SAMPLE_IPV4_RESPONSE, shortTermKey)).toBe(true);
    expect(verifyIntegrity(SAMPLE_IPV6_RESPONSE, shortTermKey)).toBe(true);
  });

  it("refuses what is not a STUN message", () => {
    expect(decode(new Uint8Array(10))).toMatchObject({ ok: false });
    expect(decode(hex("16 03 01 00 10 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"))).toEqual({
      ok: false,
      error: "not a STUN message (no magic cookie)",
    });
    const truncated = SAMPLE_REQUEST.subarray(0, SAMPLE_REQUEST.length - 4);
    expect(decode(truncated)).toMatchObject({ ok: false, error: /length field 88/ });
  });
});

describe("TURN messages", () => {
  it("computes the message types of RFC 8656 (Allocate 0x0003/0x0103/0x0113, Refresh 0x0004)", () => {
    expect(messageType(METHOD.allocate, "request")).toBe(0x0003);
    expect(messageType(METHOD.allocate, "success")).toBe(0x0103);
    expect(messageType(METHOD.allocate, "error")).toBe(0x0113);
    expect(messageType(METHOD.refresh, "request")).toBe(0x0004);
    expect(messageType(METHOD.binding, "success")).toBe(0x0101);
  });

  it("round-trips an authenticated Allocate with REQUESTED-TRANSPORT, LIFETIME and FINGERPRINT", () => {
    const key = longTermKey("monitor", "livekit", "secret");
    const transactionId = new Uint8Array(12).fill(7);
    const bytes = encode(
      {
        method: METHOD.allocate,
        class: "request",
        transactionId,
        attributes: [
          requestedTransport(TRANSPORT_UDP),
          uint32Attribute(ATTRIBUTE.lifetime, 600),
          textAttribute(ATTRIBUTE.username, "monitor"),
          textAttribute(ATTRIBUTE.realm, "livekit"),
          textAttribute(ATTRIBUTE.nonce, "abc"),
        ],
      },
      { integrityKey: key, fingerprint: true },
    );
    // Type 0x0003, then REQUESTED-TRANSPORT 17 padded with three reserved bytes.
    expect(Buffer.from(bytes.subarray(0, 2)).toString("hex")).toBe("0003");
    expect(Buffer.from(bytes.subarray(20, 28)).toString("hex")).toBe("0019000411000000");
    const decoded = decode(bytes);
    if (!decoded.ok) throw new Error(decoded.error);
    expect(decoded.message).toMatchObject({ method: METHOD.allocate, class: "request" });
    expect(uint32Of(decoded.message, ATTRIBUTE.lifetime)).toBe(600);
    expect(verifyIntegrity(bytes, key)).toBe(true);
  });

  it("reads ERROR-CODE as class * 100 + number with its reason", () => {
    const bytes = encode({
      method: METHOD.allocate,
      class: "error",
      transactionId: new Uint8Array(12),
      attributes: [
        { type: ATTRIBUTE.errorCode, value: new Uint8Array([0, 0, 4, 1, ...Buffer.from("Unauthorized")]) },
      ],
    });
    const decoded = decode(bytes);
    if (!decoded.ok) throw new Error(decoded.error);
    expect(decoded.message.class).toBe("error");
    expect(errorCodeOf(decoded.message)).toEqual({ code: 401, reason: "Unauthorized" });
  });
});
