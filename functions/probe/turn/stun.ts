/**
 * STUN and TURN messages (RFC 8489, RFC 8656), just what a client needs to prove a relay can be
 * allocated: Binding, Allocate and Refresh requests with long-term credentials, and the answers'
 * addresses, error codes, realm, nonce and lifetime. Pure: bytes in, bytes out, no I/O.
 *
 * Written here rather than taken from npm: the STUN packages there (`stun` and its forks) cover
 * Binding but not the TURN methods and long-term authentication, and the whole exchange is four
 * message types whose encoding RFC 5769's vectors pin down (test/functions/probe/turn/stun.test.ts).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { crc32 } from "node:zlib";

export const MAGIC_COOKIE = 0x2112a442;
const HEADER_BYTES = 20;
const FINGERPRINT_XOR = 0x5354554e;

export const METHOD = { binding: 0x001, allocate: 0x003, refresh: 0x004 } as const;
export type MethodName = keyof typeof METHOD;
export type MessageClass = "request" | "indication" | "success" | "error";

export const ATTRIBUTE = {
  mappedAddress: 0x0001,
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  lifetime: 0x000d,
  realm: 0x0014,
  nonce: 0x0015,
  xorRelayedAddress: 0x0016,
  requestedTransport: 0x0019,
  xorMappedAddress: 0x0020,
  software: 0x8022,
  fingerprint: 0x8028,
} as const;

/** REQUESTED-TRANSPORT's protocol number for a UDP relay (the only one RFC 8656 defines). */
export const TRANSPORT_UDP = 17;

export interface Attribute {
  readonly type: number;
  readonly value: Uint8Array;
}

export interface StunMessage {
  readonly method: number;
  readonly class: MessageClass;
  readonly transactionId: Uint8Array;
  readonly attributes: readonly Attribute[];
}

export interface TransportAddress {
  readonly family: "IPv4" | "IPv6";
  readonly address: string;
  readonly port: number;
}

const CLASS_BITS: Record<MessageClass, number> = {
  request: 0x0000,
  indication: 0x0010,
  success: 0x0100,
  error: 0x0110,
};

export function messageType(method: number, messageClass: MessageClass): number {
  const m = method & 0x0fff;
  return ((m & 0x0f80) << 2) | ((m & 0x0070) << 1) | (m & 0x000f) | CLASS_BITS[messageClass];
}

function splitType(type: number): { method: number; class: MessageClass } {
  const method = ((type & 0x3e00) >> 2) | ((type & 0x00e0) >> 1) | (type & 0x000f);
  const bits = type & 0x0110;
  const found = (Object.keys(CLASS_BITS) as MessageClass[]).find((name) => CLASS_BITS[name] === bits);
  return { method, class: found ?? "request" };
}

export function newTransactionId(): Uint8Array {
  return new Uint8Array(randomBytes(12));
}

/** The long-term credential key: MD5(username ":" realm ":" password), RFC 8489 section 9.2.2. */
export function longTermKey(username: string, realm: string, password: string): Uint8Array {
  return new Uint8Array(createHash("md5").update(`${username}:${realm}:${password}`, "utf8").digest());
}

export function textAttribute(type: number, text: string): Attribute {
  return { type, value: new Uint8Array(Buffer.from(text, "utf8")) };
}

export function uint32Attribute(type: number, value: number): Attribute {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value >>> 0);
  return { type, value: bytes };
}

/** REQUESTED-TRANSPORT: the protocol number then three reserved bytes. */
export function requestedTransport(protocol: number): Attribute {
  return { type: ATTRIBUTE.requestedTransport, value: new Uint8Array([protocol, 0, 0, 0]) };
}

export interface EncodeOptions {
  /** Adds MESSAGE-INTEGRITY (HMAC-SHA1) with this key. */
  readonly integrityKey?: Uint8Array;
  /** Adds FINGERPRINT (CRC-32), last. */
  readonly fingerprint?: boolean;
}

/** Encodes a message: attributes in order, padded to 4 bytes with zeros, then MI and FINGERPRINT. */
export function encode(message: StunMessage, options: EncodeOptions = {}): Uint8Array {
  const parts: Buffer[] = [];
  for (const attribute of message.attributes) parts.push(attributeBytes(attribute));
  let body = Buffer.concat(parts);
  const header = (length: number): Buffer => {
    const bytes = Buffer.alloc(HEADER_BYTES);
    bytes.writeUInt16BE(messageType(message.method, message.class), 0);
    bytes.writeUInt16BE(length, 2);
    bytes.writeUInt32BE(MAGIC_COOKIE, 4);
    Buffer.from(message.transactionId).copy(bytes, 8);
    return bytes;
  };
  if (options.integrityKey) {
    // The HMAC covers the header with its length already counting the 24-byte attribute.
    const signed = Buffer.concat([header(body.length + 24), body]);
    const mac = createHmac("sha1", options.integrityKey).update(signed).digest();
    body = Buffer.concat([body, attributeBytes({ type: ATTRIBUTE.messageIntegrity, value: mac })]);
  }
  if (options.fingerprint) {
    const covered = Buffer.concat([header(body.length + 8), body]);
    const value = uint32Attribute(ATTRIBUTE.fingerprint, (crc32(covered) ^ FINGERPRINT_XOR) >>> 0);
    body = Buffer.concat([body, attributeBytes(value)]);
  }
  return new Uint8Array(Buffer.concat([header(body.length), body]));
}

function attributeBytes(attribute: Attribute): Buffer {
  const padded = Math.ceil(attribute.value.length / 4) * 4;
  const bytes = Buffer.alloc(4 + padded);
  bytes.writeUInt16BE(attribute.type, 0);
  bytes.writeUInt16BE(attribute.value.length, 2);
  Buffer.from(attribute.value).copy(bytes, 4);
  return bytes;
}

export type Decoded =
  | { readonly ok: true; readonly message: StunMessage }
  | { readonly ok: false; readonly error: string };

/** The total length of the STUN message starting `bytes`, once its header has arrived. */
export function messageLength(header: Uint8Array): number | undefined {
  if (header.length < HEADER_BYTES) return undefined;
  return HEADER_BYTES + Buffer.from(header.buffer, header.byteOffset, header.length).readUInt16BE(2);
}

/** Decodes one message; checks the header, the lengths and FINGERPRINT when present. */
export function decode(bytes: Uint8Array): Decoded {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (data.length < HEADER_BYTES)
    return { ok: false, error: `${data.length} bytes, shorter than a STUN header` };
  const type = data.readUInt16BE(0);
  if ((type & 0xc000) !== 0) return { ok: false, error: "not a STUN message (first two bits set)" };
  if (data.readUInt32BE(4) !== MAGIC_COOKIE)
    return { ok: false, error: "not a STUN message (no magic cookie)" };
  const length = data.readUInt16BE(2);
  if (length % 4 !== 0 || HEADER_BYTES + length !== data.length) {
    return { ok: false, error: `length field ${length} does not match the ${data.length}-byte message` };
  }
  const attributes: Attribute[] = [];
  for (let offset = HEADER_BYTES; offset < data.length; ) {
    if (offset + 4 > data.length) return { ok: false, error: "truncated attribute header" };
    const attributeType = data.readUInt16BE(offset);
    const attributeLength = data.readUInt16BE(offset + 2);
    const end = offset + 4 + attributeLength;
    if (end > data.length)
      return { ok: false, error: `attribute 0x${attributeType.toString(16)} overruns the message` };
    if (attributeType === ATTRIBUTE.fingerprint) {
      const covered = Buffer.from(data.subarray(0, offset));
      covered.writeUInt16BE(offset + 8 - HEADER_BYTES, 2);
      const expected = (crc32(covered) ^ FINGERPRINT_XOR) >>> 0;
      if (attributeLength !== 4 || data.readUInt32BE(offset + 4) !== expected) {
        return { ok: false, error: "FINGERPRINT does not match the message" };
      }
    }
    attributes.push({ type: attributeType, value: new Uint8Array(data.subarray(offset + 4, end)) });
    offset += 4 + Math.ceil(attributeLength / 4) * 4;
  }
  const { method, class: messageClass } = splitType(type);
  return {
    ok: true,
    message: {
      method,
      class: messageClass,
      transactionId: new Uint8Array(data.subarray(8, 20)),
      attributes,
    },
  };
}

/**
 * Whether the message's MESSAGE-INTEGRITY matches `key`; undefined when it has none. `raw` is
 * the message as received (the HMAC covers its bytes up to the attribute).
 */
export function verifyIntegrity(raw: Uint8Array, key: Uint8Array): boolean | undefined {
  const data = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
  for (let offset = HEADER_BYTES; offset + 4 <= data.length; ) {
    const type = data.readUInt16BE(offset);
    const length = data.readUInt16BE(offset + 2);
    if (type === ATTRIBUTE.messageIntegrity) {
      if (length !== 20 || offset + 24 > data.length) return false;
      const covered = Buffer.from(data.subarray(0, offset));
      covered.writeUInt16BE(offset + 24 - HEADER_BYTES, 2);
      const mac = createHmac("sha1", key).update(covered).digest();
      return timingSafeEqual(mac, data.subarray(offset + 4, offset + 24));
    }
    offset += 4 + Math.ceil(length / 4) * 4;
  }
  return undefined;
}

export function attribute(message: StunMessage, type: number): Uint8Array | undefined {
  return message.attributes.find((candidate) => candidate.type === type)?.value;
}

export function textOf(message: StunMessage, type: number): string | undefined {
  const value = attribute(message, type);
  return value === undefined ? undefined : Buffer.from(value).toString("utf8");
}

export function uint32Of(message: StunMessage, type: number): number | undefined {
  const value = attribute(message, type);
  return value?.length === 4 ? Buffer.from(value).readUInt32BE(0) : undefined;
}

/** ERROR-CODE: class * 100 + number, and the reason phrase. */
export function errorCodeOf(message: StunMessage): { code: number; reason: string } | undefined {
  const value = attribute(message, ATTRIBUTE.errorCode);
  if (value === undefined || value.length < 4) return undefined;
  const bytes = Buffer.from(value);
  return {
    code: ((bytes[2] ?? 0) & 0x07) * 100 + (bytes[3] ?? 0),
    reason: bytes.subarray(4).toString("utf8"),
  };
}

/** An XOR-MAPPED-ADDRESS or XOR-RELAYED-ADDRESS. */
export function xorAddressOf(message: StunMessage, type: number): TransportAddress | undefined {
  const value = attribute(message, type);
  if (value === undefined || value.length < 8) return undefined;
  const bytes = Buffer.from(value);
  const port = bytes.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  const mask = Buffer.concat([uint32Attribute(0, MAGIC_COOKIE).value, message.transactionId]);
  if (bytes[1] === 0x01 && bytes.length === 8) {
    const octets = [...bytes.subarray(4, 8)].map((octet, index) => octet ^ (mask[index] ?? 0));
    return { family: "IPv4", address: octets.join("."), port };
  }
  if (bytes[1] === 0x02 && bytes.length === 20) {
    const raw = Buffer.from(bytes.subarray(4, 20).map((octet, index) => octet ^ (mask[index] ?? 0)));
    const groups: string[] = [];
    for (let index = 0; index < 16; index += 2) groups.push(raw.readUInt16BE(index).toString(16));
    return { family: "IPv6", address: groups.join(":"), port };
  }
  return undefined;
}

/** Same transaction id, compared byte by byte. */
export function sameTransaction(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}
