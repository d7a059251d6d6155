/**
 * The real HTTP port: undici for HTTP/1.1, with our own connector so that each phase (DNS, TCP,
 * TLS) is timed separately, the certificate is read even when it fails verification (its expiry
 * is still worth reporting), and every exchange uses a brand-new connection with no TLS session
 * reuse: each minute measures what a new user would get.
 */
import { lookup as systemLookup } from "node:dns/promises";
import { isIP, type Socket, connect as tcpConnect } from "node:net";
import { performance } from "node:perf_hooks";
import { rootCertificates, type TLSSocket, connect as tlsConnect } from "node:tls";
import { type buildConnector, Client } from "undici";
import { errorCode, firstLine } from "../../shared/errors.ts";
import type {
  HttpExchange,
  HttpFailure,
  HttpPort,
  HttpRequest,
  HttpResponse,
  PeerCertificate,
  Phase,
  PhaseTimings,
} from "../http.ts";
import { PHASE_TEXT } from "../http.ts";

export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}
/** Resolves a host name to one address. Injected in tests so they never leave loopback. */
export type Lookup = (hostname: string) => Promise<ResolvedAddress>;

export interface UndiciHttpOptions {
  /** @default the system resolver (`dns.lookup`), like every other program on the host */
  readonly lookup?: Lookup;
}

const defaultLookup: Lookup = (hostname) => systemLookup(hostname);

export function createUndiciHttp(options: UndiciHttpOptions = {}): HttpPort {
  const lookup = options.lookup ?? defaultLookup;
  return { get: (request) => exchange(request, lookup) };
}

/** Timestamps (performance.now) of the milestones of one exchange. */
interface Marks {
  readonly start: number;
  resolved?: number;
  connected?: number;
  secured?: number;
  /** The first response byte readable on the socket (Go's GotFirstResponseByte). */
  firstByte?: number;
  headers?: number;
  end?: number;
}

class ProbeFailure extends Error {
  readonly failure: HttpFailure;
  constructor(failure: HttpFailure) {
    super(failure.message);
    this.failure = failure;
  }
}

async function exchange(request: HttpRequest, lookup: Lookup): Promise<HttpExchange> {
  const marks: Marks = { start: performance.now() };
  const https = request.url.protocol === "https:";
  let phase: Phase = "dns";
  let certificate: PeerCertificate | undefined;
  let timedOut = false;
  const controller = new AbortController();
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new ProbeFailure(timeoutFailure(phase, request.timeoutMs)));
  }, request.timeoutMs);

  const connector: buildConnector.connector = (options, callback) => {
    openSocket(options, request, lookup, marks, controller.signal, {
      onPhase: (next) => {
        phase = next;
      },
      onCertificate: (cert) => {
        certificate = cert;
      },
    }).then(
      (socket) => {
        phase = "headers";
        callback(null, socket);
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), null),
    );
  };

  const client = new Client(request.url.origin, {
    connect: connector,
    pipelining: 1,
    // Our single deadline covers every phase; undici's own timers would only blur the reason.
    headersTimeout: 0,
    bodyTimeout: 0,
  });

  try {
    const response = await client.request({
      method: "GET",
      path: `${request.url.pathname}${request.url.search}`,
      headers: { "user-agent": USER_AGENT, accept: "*/*", ...request.headers },
      signal: controller.signal,
      reset: true,
    });
    marks.headers = performance.now();
    phase = "body";
    const { body, truncated } = await readBounded(response.body, request.maxBodyBytes);
    marks.end = performance.now();
    const result: HttpResponse = {
      status: response.statusCode,
      headers: flattenHeaders(response.headers),
      body,
      bodyTruncated: truncated,
    };
    return withCertificate({ response: result, timings: timings(marks, https) }, certificate);
  } catch (error) {
    marks.end = performance.now();
    const failure = timedOut ? timeoutFailure(phase, request.timeoutMs) : describeError(error, phase);
    return withCertificate({ failure, timings: timings(marks, https) }, certificate);
  } finally {
    clearTimeout(timer);
    await client.destroy().catch(() => undefined);
  }
}

function withCertificate(exchange: HttpExchange, certificate: PeerCertificate | undefined): HttpExchange {
  return certificate ? { ...exchange, certificate } : exchange;
}

interface SocketEvents {
  onPhase(phase: Phase): void;
  onCertificate(certificate: PeerCertificate): void;
}

async function openSocket(
  options: buildConnector.Options,
  request: HttpRequest,
  lookup: Lookup,
  marks: Marks,
  signal: AbortSignal,
  events: SocketEvents,
): Promise<Socket> {
  const hostname = options.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = Number(options.port) || (options.protocol === "https:" ? 443 : 80);
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

  const https = options.protocol === "https:";
  const tlsOptions = request.tls;
  const servername = tlsOptions?.servername ?? (isIP(hostname) === 0 ? hostname : undefined);
  const socket: Socket = https
    ? tlsConnect({
        host: address,
        port,
        servername,
        ca: tlsOptions?.ca ? [...rootCertificates, tlsOptions.ca] : undefined,
        // Verified below, after the certificate has been read for its expiry date.
        rejectUnauthorized: false,
        ALPNProtocols: ["http/1.1"],
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
        markFirstByte(socket, marks);
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
      markFirstByte(socket, marks);
      resolve(socket);
    });
  });
}

/**
 * Time to first byte ends when the response starts to arrive, not when undici hands the parsed
 * response over: by then it has also parsed the body and torn the connection down, which the
 * benchmark measured at about 0.4 ms of our own processing counted as the server's. Registered
 * before undici's own `readable` listener, so it fires first and reads nothing.
 */
function markFirstByte(socket: Socket, marks: Marks): void {
  socket.once("readable", () => {
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

function commonName(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(", ") : (value ?? "");
}

/** Node verified the chain and the host name (servername, else host) during the handshake. */
function verify(socket: TLSSocket, hostname: string, skip: boolean): HttpFailure | undefined {
  if (skip || socket.authorized) return undefined;
  return tlsFailure(String(socket.authorizationError ?? "UNKNOWN"), hostname);
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

function tlsFailure(code: string, hostname: string): HttpFailure {
  const reason =
    code === "ERR_TLS_CERT_ALTNAME_INVALID"
      ? `certificate is not valid for ${hostname}`
      : (TLS_REASONS[code] ?? "certificate verification failed");
  return { kind: "tls", phase: "tls", code, message: `TLS: ${reason} (${code})` };
}

function timeoutFailure(phase: Phase, timeoutMs: number): HttpFailure {
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
function withCode(code: string | undefined): { code?: string } {
  return code === undefined ? {} : { code };
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
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

async function readBounded(
  body: AsyncIterable<Uint8Array> & { destroy(): unknown },
  maxBytes: number,
): Promise<{ body: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = Buffer.from(chunk);
    if (size + buffer.length > maxBytes) {
      chunks.push(buffer.subarray(0, maxBytes - size));
      body.destroy();
      return { body: Buffer.concat(chunks).toString("utf8"), truncated: true };
    }
    chunks.push(buffer);
    size += buffer.length;
  }
  return { body: Buffer.concat(chunks).toString("utf8"), truncated: false };
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

function timings(marks: Marks, https: boolean): PhaseTimings {
  const end = marks.end ?? performance.now();
  const afterDns = marks.resolved ?? marks.start;
  const ready = https ? marks.secured : marks.connected;
  const result: { -readonly [K in keyof PhaseTimings]: PhaseTimings[K] } = {
    totalMs: round(end - marks.start),
  };
  if (marks.resolved !== undefined) result.dnsMs = round(marks.resolved - marks.start);
  if (marks.connected !== undefined) result.connectMs = round(marks.connected - afterDns);
  if (https && marks.secured !== undefined && marks.connected !== undefined) {
    result.tlsMs = round(marks.secured - marks.connected);
  }
  if (marks.headers !== undefined && ready !== undefined) {
    const answered =
      marks.firstByte !== undefined && marks.firstByte <= marks.headers ? marks.firstByte : marks.headers;
    result.ttfbMs = round(answered - ready);
  }
  return result;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

const USER_AGENT = "meet-synthetic-monitor/0.1 (+https://github.com/suitenumerique/meet)";
