/**
 * What went wrong with a connection or an exchange, as one short, specific, secret-free sentence:
 * every error undici or the socket may throw is mapped to a kind, a phase and a reason.
 */
import { errorCode, firstLine } from "../../shared/errors.ts";
import type { HttpFailure, Phase } from "../http.ts";
import { PHASE_TEXT } from "../http.ts";

/** A failure already described: thrown through undici and the socket, returned as it is. */
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

export function timeoutFailure(phase: Phase, timeoutMs: number): HttpFailure {
  return { kind: "timeout", phase, message: `timeout after ${timeoutMs} ms during ${PHASE_TEXT[phase]}` };
}

/** Maps whatever undici or the socket threw to a short, specific failure. */
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
    case "UND_ERR_SOCKET":
      return { kind: "reset", phase, code, message: `connection closed by the server during ${during}` };
    case "UND_ERR_RES_CONTENT_LENGTH_MISMATCH":
      return { kind: "reset", phase, code, message: "connection closed before the announced content-length" };
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
  const message = error instanceof Error ? error.message : String(error);
  if (code?.startsWith("HPE_") || (error instanceof Error && error.name === "HTTPParserError")) {
    return { kind: "protocol", phase, ...withCode(code), message: `invalid HTTP response: ${message}` };
  }
  if (code?.startsWith("ERR_SSL") || code === "EPROTO" || phase === "tls") {
    return {
      kind: "tls",
      phase: "tls",
      ...withCode(code),
      message: `TLS handshake failed: ${firstLine(message)}`,
    };
  }
  return { kind: "other", phase, ...withCode(code), message: `${firstLine(message)} during ${during}` };
}

/** `{ code }` when there is one, for a failure's optional `code`. */
export function withCode(code: string | undefined): { code?: string } {
  return code === undefined ? {} : { code };
}
