/**
 * The socket ports the deep checks are written against, beside the HTTP port (./http.ts): a
 * WebSocket carrying binary messages (LiveKit's signal connection) and a STUN/TURN channel over
 * UDP, TCP or TLS. The real adapters live in `adapters/`; checks only see these plain types.
 */
import type { TargetTls } from "../shared/config/index.ts";
import type { HttpFailure, PeerCertificate, PhaseTimings } from "./http.ts";

export interface WebSocketRequest {
  /** A ws: or wss: URL. Its query may hold a token: it never appears in a failure. */
  readonly url: URL;
  readonly tls?: TargetTls | undefined;
  /** Deadline of the opening handshake, DNS to the 101 answer. */
  readonly timeoutMs: number;
}

/** What arrived on an open WebSocket, or why nothing did. */
export type Incoming =
  | { readonly kind: "binary"; readonly data: Uint8Array }
  | { readonly kind: "text"; readonly length: number }
  | { readonly kind: "closed"; readonly code: number }
  | { readonly kind: "timeout" };

export interface MessageSocket {
  /** The next message (kept in order), or `timeout` after `timeoutMs`, or `closed`. Never rejects. */
  receive(timeoutMs: number): Promise<Incoming>;
  /** Sends one binary message; false when the socket is no longer open. */
  send(data: Uint8Array): boolean;
  /** Starts the closing handshake, waits at most `graceMs` for it, then releases the connection. */
  close(graceMs: number): Promise<void>;
}

export type WebSocketOpening =
  | {
      readonly socket: MessageSocket;
      readonly failure?: undefined;
      /** DNS, TCP, TLS, and ttfb: from the ready connection to the 101 answer. */
      readonly timings: PhaseTimings;
      readonly certificate?: PeerCertificate;
    }
  | {
      readonly socket?: undefined;
      readonly failure: HttpFailure;
      /** The HTTP status of a refused upgrade (anything but 101). */
      readonly status?: number;
      readonly timings: PhaseTimings;
      readonly certificate?: PeerCertificate;
    };

export interface WebSocketPort {
  /** Opens a WebSocket on a fresh connection. Never rejects: every problem is a `failure`. */
  open(request: WebSocketRequest): Promise<WebSocketOpening>;
}

export type TurnTransport = "udp" | "tcp" | "tls";

/** A STUN/TURN server as a `turn:` or `turns:` URL names it. */
export interface StunEndpoint {
  readonly transport: TurnTransport;
  /** A host name or an IP literal (an IPv6 literal may keep its brackets). */
  readonly host: string;
  readonly port: number;
  /** Trust settings for `tls` (the LiveKit target's). */
  readonly tls?: TargetTls | undefined;
}

export type StunReply =
  | { readonly response: Uint8Array; readonly failure?: undefined }
  | { readonly response?: undefined; readonly failure: string };

export interface StunChannel {
  /**
   * Sends one request and resolves with the response carrying its transaction id (other messages
   * are ignored; over UDP the request is retransmitted until the deadline). Never rejects.
   */
  exchange(request: Uint8Array, transactionId: Uint8Array, timeoutMs: number): Promise<StunReply>;
  close(): void;
}

export type StunOpening =
  | {
      readonly channel: StunChannel;
      readonly failure?: undefined;
      readonly timings: PhaseTimings;
      readonly certificate?: PeerCertificate;
    }
  | {
      readonly channel?: undefined;
      readonly failure: HttpFailure;
      readonly timings: PhaseTimings;
      readonly certificate?: PeerCertificate;
    };

export interface StunPort {
  /** Resolves the host and opens a channel (UDP socket, TCP or TLS connection). Never rejects. */
  open(endpoint: StunEndpoint, timeoutMs: number): Promise<StunOpening>;
}
