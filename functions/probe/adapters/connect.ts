/**
 * A fresh, timed connection: DNS, TCP and TLS each timed apart, the peer's certificate read even
 * when it fails verification (its expiry is still worth reporting), then verified with the
 * target's trust settings. The HTTP port connects through it; any check that needs its own
 * socket (TURN over TLS) can too.
 */
import { lookup as systemLookup } from "node:dns/promises";
import { isIP, type Socket, connect as tcpConnect } from "node:net";
import { performance } from "node:perf_hooks";
import type { Duplex } from "node:stream";
import { rootCertificates, type TLSSocket, connect as tlsConnect } from "node:tls";
import type { TargetTls } from "../../shared/config/index.ts";
import { errorCode } from "../../shared/errors.ts";
import { untrustedText } from "../../shared/text.ts";
import type { HttpFailure, PeerCertificate, Phase, PhaseTimings } from "../http.ts";
import { ProbeFailure, tlsFailure, withCode } from "./failures.ts";

export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}
/** Resolves a host name to one address. Injected in tests so they never leave loopback. */
export type Lookup = (hostname: string) => Promise<ResolvedAddress>;

export const defaultLookup: Lookup = (hostname) => systemLookup(hostname);

/** Timestamps (performance.now) of the milestones of one exchange. */
export interface Marks {
  /** Set by the caller, then again by `openSocket` when the network work (DNS) begins. */
  start: number;
  resolved?: number;
  connected?: number;
  secured?: number;
  /** The request handed to the ready connection, right before it is written (curl's time_pretransfer). */
  requestSent?: number;
  /** The first response byte read from the socket (Go's GotFirstResponseByte, curl's time_starttransfer). */
  firstByte?: number;
  headers?: number;
  end?: number;
}

export interface SocketEvents {
  onPhase(phase: Phase): void;
  onCertificate(certificate: PeerCertificate): void;
}

/** Where to connect, and how. */
export interface SocketTarget {
  /** A host name or an IP literal (an IPv6 literal may keep its brackets). */
  readonly hostname: string;
  readonly port: number;
  /** TLS on top of TCP, verified with `tls` (and the certificate read even when it fails). */
  readonly secure: boolean;
  readonly tls?: TargetTls | undefined;
  /** ALPN protocols to offer over TLS, e.g. `["http/1.1"]`. */
  readonly alpn?: readonly string[];
}

/**
 * Opens a fresh TCP (or TLS) connection, timing each phase into `marks`: DNS through `lookup`
 * unless the host is an IP literal, the TCP handshake, then the TLS handshake and verification.
 * Rejects with a `ProbeFailure` saying what failed, or with the signal's reason when aborted.
 */
export async function openSocket(
  target: SocketTarget,
  lookup: Lookup,
  marks: Marks,
  signal: AbortSignal,
  events: SocketEvents,
): Promise<Socket> {
  // The exchange's clock starts with the network work: what the caller built before is its own.
  marks.start = performance.now();
  const hostname = target.hostname.replace(/^\[(.*)\]$/, "$1");
  const { port } = target;
  let address = hostname;
  let family = isIP(hostname);
  if (family === 0) {
    try {
      const resolved = await abortable(lookup(hostname), signal);
      address = resolved.address;
      family = resolved.family;
    } catch (error) {
      if (signal.aborted) throw error;
      throw new ProbeFailure({
        kind: "dns",
        phase: "dns",
        ...withCode(errorCode(error)),
        message: `DNS lookup of ${hostname} failed (${errorCode(error) ?? "no address"})`,
      });
    }
    marks.resolved = performance.now();
  }
  events.onPhase("connect");

  const https = target.secure;
  const tlsOptions = target.tls;
  const servername = tlsOptions?.servername ?? (isIP(hostname) === 0 ? hostname : undefined);
  const socket: Socket = https
    ? tlsConnect({
        host: address,
        port,
        servername,
        ca: tlsOptions?.ca ? [...rootCertificates, tlsOptions.ca] : undefined,
        // Verified below, after the certificate has been read for its expiry date.
        rejectUnauthorized: false,
        ...(target.alpn ? { ALPNProtocols: [...target.alpn] } : {}),
      })
    : tcpConnect({ host: address, port, family });
  socket.setNoDelay(true);

  return new Promise<Socket>((resolve, reject) => {
    const fail = (error: Error): void => {
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
      reject(error);
    };
    const onAbort = (): void => fail(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
    signal.addEventListener("abort", onAbort, { once: true });
    socket.once("error", fail);
    socket.once("connect", () => {
      marks.connected = performance.now();
      if (!https) {
        signal.removeEventListener("abort", onAbort);
        socket.removeListener("error", fail);
        resolve(socket);
        return;
      }
      events.onPhase("tls");
    });
    if (!https) return;
    socket.once("secureConnect", () => {
      marks.secured = performance.now();
      const tlsSocket = socket as TLSSocket;
      const certificate = readCertificate(tlsSocket);
      if (certificate) events.onCertificate(certificate);
      const verifyError = verify(tlsSocket, servername ?? hostname, tlsOptions?.insecureSkipVerify === true);
      if (verifyError) {
        fail(new ProbeFailure(verifyError));
        return;
      }
      signal.removeEventListener("abort", onAbort);
      socket.removeListener("error", fail);
      resolve(socket);
    });
  });
}

/**
 * Times the exchange on a ready connection, to be called when the HTTP client hands its request
 * to the socket (node:http's `socket` event, emitted right before it writes the request). Ttfb
 * starts there, like curl's time_pretransfer: the promise, tick and parser set-up between the
 * ready connection and the write are our work, not the server's. It ends at the first response
 * byte (Go's GotFirstResponseByte, curl's time_starttransfer), not once the headers are parsed:
 * this `data` listener is put before the client's own, so it runs first, in the very call that
 * hands the bytes read from the socket to JavaScript, and takes nothing from the client.
 */
export function timeExchange(socket: Duplex, marks: Marks): void {
  marks.requestSent = performance.now();
  socket.prependOnceListener("data", () => {
    marks.firstByte ??= performance.now();
  });
}

function readCertificate(socket: TLSSocket): PeerCertificate | undefined {
  const cert = socket.getPeerCertificate();
  if (!cert?.valid_to) return undefined;
  const validTo = new Date(cert.valid_to);
  if (Number.isNaN(validTo.getTime())) return undefined;
  return { validTo, subject: commonName(cert.subject?.CN), issuer: commonName(cert.issuer?.CN) };
}

/** A certificate's CN is whatever the server's operator wrote: made printable and short. */
function commonName(value: string | string[] | undefined): string {
  return untrustedText(Array.isArray(value) ? value.join(", ") : (value ?? ""));
}

/** Node verified the chain and the host name (servername, else host) during the handshake. */
function verify(socket: TLSSocket, hostname: string, skip: boolean): HttpFailure | undefined {
  if (skip || socket.authorized) return undefined;
  return tlsFailure(String(socket.authorizationError ?? "UNKNOWN"), hostname);
}

export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/**
 * The phases of one exchange from its marks: DNS, TCP, TLS (when `secure`), and time to first
 * byte from the request handed to the ready connection (the connection being ready when that was
 * not marked) to the answer (its first byte when that came first).
 */
export function phaseTimings(marks: Marks, secure: boolean): PhaseTimings {
  const end = marks.end ?? performance.now();
  const afterDns = marks.resolved ?? marks.start;
  const ready = secure ? marks.secured : marks.connected;
  const result: { -readonly [K in keyof PhaseTimings]: PhaseTimings[K] } = {
    totalMs: round(end - marks.start),
  };
  if (marks.resolved !== undefined) result.dnsMs = round(marks.resolved - marks.start);
  if (marks.connected !== undefined) result.connectMs = round(marks.connected - afterDns);
  if (secure && marks.secured !== undefined && marks.connected !== undefined) {
    result.tlsMs = round(marks.secured - marks.connected);
  }
  const sent = marks.requestSent ?? ready;
  if (marks.headers !== undefined && sent !== undefined) {
    const answered =
      marks.firstByte !== undefined && marks.firstByte <= marks.headers ? marks.firstByte : marks.headers;
    result.ttfbMs = round(answered - sent);
  }
  return result;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
