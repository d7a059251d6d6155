/**
 * What went wrong with a connection or an exchange, as one short, specific, secret-free sentence:
 * every error node:http, ws or the socket may throw is mapped to a kind, a phase and a reason.
 */
import { errorCode, firstLine } from "../../shared/errors.ts";
import { untrustedText } from "../../shared/text.ts";
import type { HttpFailure, Phase } from "../http.ts";
import { PHASE_TEXT } from "../http.ts";

/** A failure already described: thrown through the HTTP client and the socket, returned as it is. */
export class ProbeFailure extends Error {
  readonly failure: HttpFailure;
  constructor(failure: HttpFailure) {
    super(failure.message);
    this.failure = failure;
  }
}

const TLS_REASONS: Record<string, string> = {
  CERT_HAS_EXPIRED: "certificate has expired",
  CERT_NOT_YET_VALID: "certificate is not yet valid",
  DEPTH_ZERO_SELF_SIGNED_CERT: "certificate is self-signed",
  SELF_SIGNED_CERT_IN_CHAIN: "certificate chain ends in an untrusted self-signed root",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    "certificate issuer is unknown (incomplete chain or private CA: set tls.caFile)",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    "certificate issuer is unknown (incomplete chain or private CA: set tls.caFile)",
  UNABLE_TO_GET_ISSUER_CERT: "certificate issuer is unknown (incomplete chain or private CA: set tls.caFile)",
  CERT_REVOKED: "certificate is revoked",
  CERT_SIGNATURE_FAILURE: "certificate signature is invalid",
};

export function tlsFailure(code: string, hostname: string): HttpFailure {
  const reason =
    code === "ERR_TLS_CERT_ALTNAME_INVALID"
      ? `certificate is not valid for ${hostname}`
      : (TLS_REASONS[code] ?? "certificate verification failed");
  return { kind: "tls", phase: "tls", code, message: `TLS: ${reason} (${code})` };
}

const NOT_TLS = "the port answered without TLS, probably plain HTTP";
const NO_COMMON_VERSION = "the server and the probe share no TLS version: the probe speaks TLS 1.2 and 1.3";
const REFUSED = "the server refused the handshake: no cipher in common, or it wants a client certificate";
const CLIENT_CERTIFICATE = "the server requires a client certificate, which the monitor does not send";

/** What the common handshake failures mean, by the code Node gives OpenSSL's reason. */
const HANDSHAKE_REASONS: Record<string, string> = {
  ERR_SSL_WRONG_VERSION_NUMBER: NOT_TLS,
  ERR_SSL_PACKET_LENGTH_TOO_LONG: NOT_TLS,
  ERR_SSL_HTTP_REQUEST: NOT_TLS,
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: NO_COMMON_VERSION,
  ERR_SSL_UNSUPPORTED_PROTOCOL: NO_COMMON_VERSION,
  ERR_SSL_NO_PROTOCOLS_AVAILABLE: NO_COMMON_VERSION,
  "ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE": REFUSED,
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: REFUSED,
  ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR:
    "the server failed its side of the handshake, often for lack of a certificate for the name sent",
  ERR_SSL_TLSV1_UNRECOGNIZED_NAME:
    "the server does not serve the name sent in SNI; tls.servername sends another",
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: CLIENT_CERTIFICATE,
  "ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE": CLIENT_CERTIFICATE,
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: CLIENT_CERTIFICATE,
};

/**
 * A failed handshake in one sentence, with OpenSSL's short reason in parentheses: never OpenSSL's
 * whole error line (`40BD...:error:0A00010B:SSL routines:...:../deps/openssl/...`).
 */
export function handshakeFailure(code: string | undefined, message: string): HttpFailure {
  const openssl = /SSL routines:[^:]*:([^:]+)/.exec(message)?.[1];
  const reason = openssl === undefined ? untrustedText(firstLine(message)) : untrustedText(openssl, 80);
  const meaning = code === undefined ? undefined : HANDSHAKE_REASONS[code];
  return {
    kind: "tls",
    phase: "tls",
    ...withCode(code),
    message: `TLS handshake failed: ${meaning === undefined ? reason : `${meaning} (${reason})`}`,
  };
}

export function timeoutFailure(phase: Phase, timeoutMs: number): HttpFailure {
  return { kind: "timeout", phase, message: `timeout after ${timeoutMs} ms during ${PHASE_TEXT[phase]}` };
}

/** Maps whatever the HTTP client or the socket threw to a short, specific failure. */
export function describeError(error: unknown, phase: Phase): HttpFailure {
  if (error instanceof ProbeFailure) return error.failure;
  const code = errorCode(error);
  const during = PHASE_TEXT[phase];
  switch (code) {
    case "ECONNREFUSED":
      return { kind: "refused", phase, code, message: "connection refused (nothing listening on that port)" };
    case "ECONNRESET":
    case "EPIPE":
      return { kind: "reset", phase, code, message: `connection reset by the server during ${during}` };
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EADDRNOTAVAIL":
      return { kind: "unreachable", phase, code, message: `host unreachable (${code})` };
    case "ETIMEDOUT":
      return { kind: "timeout", phase, code, message: `the operating system timed out during ${during}` };
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
      return { kind: "dns", phase: "dns", code, message: `DNS lookup failed (${code})` };
    default:
      break;
  }
  // Error texts can quote what the server sent (a parser error, an OpenSSL alert): made printable.
  const message = error instanceof Error ? error.message : String(error);
  if (code?.startsWith("HPE_")) {
    return {
      kind: "protocol",
      phase,
      ...withCode(code),
      message: `invalid HTTP response: ${untrustedText(firstLine(message))}`,
    };
  }
  if (code?.startsWith("ERR_SSL") || code === "EPROTO" || phase === "tls")
    return handshakeFailure(code, message);
  return {
    kind: "other",
    phase,
    ...withCode(code),
    message: `${untrustedText(firstLine(message))} during ${during}`,
  };
}

/** `{ code }` when there is one, for a failure's optional `code`. */
export function withCode(code: string | undefined): { code?: string } {
  return code === undefined ? {} : { code };
}
