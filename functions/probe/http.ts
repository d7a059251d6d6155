/**
 * The HTTP port the checks are written against. The real adapter lives in
 * `adapters/node-http.ts`; checks only ever see these plain data types.
 */
import type { TargetTls } from "../shared/config/index.ts";

/** Where a request was when it ended: the phase names used in failure reasons. */
export type Phase = "dns" | "connect" | "tls" | "headers" | "body";

export const PHASE_TEXT: Record<Phase, string> = {
  dns: "DNS lookup",
  connect: "TCP connect",
  tls: "TLS handshake",
  headers: "waiting for response headers",
  body: "reading the response body",
};

export interface HttpRequest {
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  /** Deadline for the whole exchange, DNS to last body byte. */
  readonly timeoutMs: number;
  /** Body bytes kept; the rest is not read and `bodyTruncated` is set. */
  readonly maxBodyBytes: number;
  readonly tls?: TargetTls;
}

/** Durations of each phase of one exchange, in milliseconds. Absent when not reached or not applicable. */
export interface PhaseTimings {
  readonly dnsMs?: number;
  readonly connectMs?: number;
  readonly tlsMs?: number;
  /**
   * From the request handed to the ready connection (curl's time_pretransfer) to the first byte
   * of the response (curl's time_starttransfer, Go's GotFirstResponseByte).
   */
  readonly ttfbMs?: number;
  /** From the start (before DNS) to the end of the exchange, whatever the outcome. */
  readonly totalMs: number;
}

export interface PeerCertificate {
  readonly validTo: Date;
  readonly subject: string;
  readonly issuer: string;
}

export type HttpFailureKind =
  | "timeout"
  | "dns"
  | "refused"
  | "reset"
  | "unreachable"
  | "tls"
  | "protocol"
  | "other";

export interface HttpFailure {
  readonly kind: HttpFailureKind;
  readonly phase: Phase;
  /** The system or library code (ECONNREFUSED, CERT_HAS_EXPIRED, ...), when there is one. */
  readonly code?: string;
  /** A short, specific, secret-free explanation. */
  readonly message: string;
}

export interface HttpResponse {
  readonly status: number;
  /** Lower-cased names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  /** The first `maxBodyBytes` of the body, decoded as UTF-8. */
  readonly body: string;
  readonly bodyTruncated: boolean;
}

/** The outcome of one exchange. Exactly one of `response` and `failure` is set. */
export type HttpExchange =
  | {
      readonly response: HttpResponse;
      readonly failure?: undefined;
      readonly timings: PhaseTimings;
      readonly certificate?: PeerCertificate;
    }
  | {
      readonly response?: undefined;
      readonly failure: HttpFailure;
      readonly timings: PhaseTimings;
      readonly certificate?: PeerCertificate;
    };

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/** A request with a method and a body (the deep checks: webhook, connection test, S3). */
export interface HttpSendRequest extends HttpRequest {
  readonly method: HttpMethod;
  /** Sent as is, with its content-length; absent: no body. */
  readonly body?: string | Uint8Array;
}

export interface HttpPort {
  /** Performs one GET on a fresh connection. Never rejects: every problem is a `failure`. */
  get(request: HttpRequest): Promise<HttpExchange>;
  /** The same for any method, with an optional body. Never rejects. */
  send(request: HttpSendRequest): Promise<HttpExchange>;
}
