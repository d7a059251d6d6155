/**
 * The TURN exchange a browser performs before it can relay media, on one channel: a STUN Binding,
 * an Allocate that the server answers 401 with its realm and nonce, the same Allocate
 * authenticated with the long-term credentials, then a Refresh with lifetime 0 that frees the
 * allocation at once. Pure apart from the channel it is given.
 */
import type { StunChannel } from "../sockets.ts";
import {
  ATTRIBUTE,
  type Attribute,
  decode,
  encode,
  errorCodeOf,
  longTermKey,
  METHOD,
  type MethodName,
  newTransactionId,
  requestedTransport,
  type StunMessage,
  TRANSPORT_UDP,
  type TransportAddress,
  textAttribute,
  textOf,
  uint32Attribute,
  uint32Of,
  verifyIntegrity,
  xorAddressOf,
} from "./stun.ts";

export interface TurnCredentials {
  readonly username: string;
  readonly password: string;
}

export type AllocationOutcome =
  | {
      readonly ok: true;
      readonly mapped?: TransportAddress;
      readonly relayed?: TransportAddress;
      readonly lifetimeSeconds?: number;
      /** Why the allocation could not be freed at once (it then expires after its lifetime). */
      readonly notFreed?: string;
    }
  | { readonly ok: false; readonly reason: string };

const STEP_TEXT: Record<MethodName, string> = {
  binding: "STUN Binding",
  allocate: "TURN Allocate",
  refresh: "TURN Refresh",
};

/** Runs the whole exchange; `deadline` is a performance.now() time shared by every step. */
export async function allocateRelay(
  channel: StunChannel,
  credentials: TurnCredentials,
  deadline: number,
): Promise<AllocationOutcome> {
  const binding = await transact(channel, "binding", [], undefined, deadline);
  if (!binding.ok) return binding;
  if (binding.message.class !== "success") return { ok: false, reason: refusal("binding", binding.message) };
  const mapped =
    xorAddressOf(binding.message, ATTRIBUTE.xorMappedAddress) ??
    xorAddressOf(binding.message, ATTRIBUTE.mappedAddress);

  const allocateAttributes = [requestedTransport(TRANSPORT_UDP)];
  const challenge = await transact(channel, "allocate", allocateAttributes, undefined, deadline);
  if (!challenge.ok) return challenge;
  let session: Session | undefined;
  let allocated: StunMessage;
  if (challenge.message.class === "success") {
    // A server without authentication: allocated already.
    allocated = challenge.message;
  } else {
    const realm = textOf(challenge.message, ATTRIBUTE.realm);
    const nonce = textOf(challenge.message, ATTRIBUTE.nonce);
    if (errorCodeOf(challenge.message)?.code !== 401 || realm === undefined || nonce === undefined) {
      return { ok: false, reason: refusal("allocate", challenge.message) };
    }
    session = {
      ...credentials,
      realm,
      nonce,
      key: longTermKey(credentials.username, realm, credentials.password),
    };
    const answer = await authenticated(channel, "allocate", allocateAttributes, session, deadline);
    if (!answer.ok) return answer;
    if (answer.message.class !== "success") {
      return { ok: false, reason: refusal("allocate", answer.message, true) };
    }
    allocated = answer.message;
  }
  const relayed = xorAddressOf(allocated, ATTRIBUTE.xorRelayedAddress);
  const lifetimeSeconds = uint32Of(allocated, ATTRIBUTE.lifetime);
  const result = {
    ok: true as const,
    ...(mapped ? { mapped } : {}),
    ...(relayed ? { relayed } : {}),
    ...(lifetimeSeconds === undefined ? {} : { lifetimeSeconds }),
  };
  if (relayed === undefined) {
    return { ok: false, reason: "TURN Allocate succeeded without an XOR-RELAYED-ADDRESS" };
  }
  const refresh = session
    ? await authenticated(channel, "refresh", [uint32Attribute(ATTRIBUTE.lifetime, 0)], session, deadline)
    : await transact(channel, "refresh", [uint32Attribute(ATTRIBUTE.lifetime, 0)], undefined, deadline);
  if (!refresh.ok) return { ...result, notFreed: refresh.reason };
  if (refresh.message.class !== "success")
    return { ...result, notFreed: refusal("refresh", refresh.message) };
  return result;
}

interface Session extends TurnCredentials {
  readonly realm: string;
  nonce: string;
  readonly key: Uint8Array;
}

type Transaction = { ok: true; message: StunMessage; raw: Uint8Array } | { ok: false; reason: string };

/** An authenticated request, sent again once with the new nonce when the server says 438 Stale Nonce. */
async function authenticated(
  channel: StunChannel,
  method: MethodName,
  attributes: readonly Attribute[],
  session: Session,
  deadline: number,
): Promise<Transaction> {
  for (let round = 0; ; round++) {
    const signed = [
      ...attributes,
      textAttribute(ATTRIBUTE.username, session.username),
      textAttribute(ATTRIBUTE.realm, session.realm),
      textAttribute(ATTRIBUTE.nonce, session.nonce),
    ];
    const answer = await transact(channel, method, signed, session.key, deadline);
    if (!answer.ok) return answer;
    const nonce = textOf(answer.message, ATTRIBUTE.nonce);
    if (
      answer.message.class === "error" &&
      errorCodeOf(answer.message)?.code === 438 &&
      nonce &&
      round === 0
    ) {
      session.nonce = nonce;
      continue;
    }
    if (answer.message.class === "success" && verifyIntegrity(answer.raw, session.key) === false) {
      return {
        ok: false,
        reason: `${STEP_TEXT[method]}: the answer's MESSAGE-INTEGRITY does not match these credentials`,
      };
    }
    return answer;
  }
}

async function transact(
  channel: StunChannel,
  method: MethodName,
  attributes: readonly Attribute[],
  integrityKey: Uint8Array | undefined,
  deadline: number,
): Promise<Transaction> {
  const remaining = Math.floor(deadline - performance.now());
  if (remaining <= 0) return { ok: false, reason: `${STEP_TEXT[method]}: no time left before the deadline` };
  const transactionId = newTransactionId();
  const request = encode(
    { method: METHOD[method], class: "request", transactionId, attributes },
    { ...(integrityKey ? { integrityKey } : {}), fingerprint: true },
  );
  const reply = await channel.exchange(request, transactionId, remaining);
  if (reply.failure !== undefined) return { ok: false, reason: `${STEP_TEXT[method]}: ${reply.failure}` };
  const decoded = decode(reply.response);
  if (!decoded.ok)
    return { ok: false, reason: `${STEP_TEXT[method]}: the answer is not STUN (${decoded.error})` };
  if (decoded.message.method !== METHOD[method] || decoded.message.class === "request") {
    return { ok: false, reason: `${STEP_TEXT[method]}: the answer is not a response to it` };
  }
  return { ok: true, message: decoded.message, raw: reply.response };
}

const ERROR_HINTS: Readonly<Record<number, string>> = {
  401: "credentials refused",
  403: "forbidden",
  437: "allocation mismatch",
  438: "stale nonce",
  441: "wrong credentials",
  442: "unsupported transport protocol",
  486: "allocation quota reached",
  508: "insufficient capacity (no relay port left)",
};

/** An error answer in words: the code, what it means, never the server's own text. */
function refusal(method: MethodName, message: StunMessage, authenticatedRequest = false): string {
  if (message.class !== "error") return `${STEP_TEXT[method]}: unexpected ${message.class} answer`;
  const error = errorCodeOf(message);
  if (error === undefined) return `${STEP_TEXT[method]}: error answer without an ERROR-CODE`;
  const hint =
    error.code === 401 && authenticatedRequest
      ? "the credentials the join handed out were refused"
      : (ERROR_HINTS[error.code] ?? "refused");
  return `${STEP_TEXT[method]}: error ${error.code} (${hint})`;
}
