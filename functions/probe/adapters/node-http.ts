/**
 * The real HTTP port: Node's own HTTP/1.1 client (node:http, its parser is llhttp compiled into
 * Node) on a connection made by ./connect.ts, so that each phase (DNS, TCP, TLS) is timed
 * separately and the certificate is read even when it fails verification, and every exchange
 * uses a brand-new connection with no TLS session reuse: each minute measures what a new user
 * would get. undici did the same job before; it cost 460 KB of the Lambda bundle (its Client with
 * four WebAssembly parsers, docs/performance.md) for what Node already carries.
 */
import { type ClientRequest, request as httpRequest, type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import type { Duplex } from "node:stream";
import { errorCode, errorMessage, firstLine } from "../../shared/errors.ts";
import {
  type HttpExchange,
  type HttpFailure,
  type HttpPort,
  type HttpResponse,
  type HttpSendRequest,
  type PeerCertificate,
  PHASE_TEXT,
  type Phase,
} from "../http.ts";
import {
  defaultLookup,
  type Lookup,
  type Marks,
  openSocket,
  phaseTimings,
  type SocketTarget,
  timeExchange,
} from "./connect.ts";
import { describeError, ProbeFailure, timeoutFailure } from "./failures.ts";

export type { Lookup, ResolvedAddress } from "./connect.ts";
export { describeError } from "./failures.ts";

export interface NodeHttpOptions {
  /** @default the system resolver (`dns.lookup`), like every other program on the host */
  readonly lookup?: Lookup;
}

export function createNodeHttp(options: NodeHttpOptions = {}): HttpPort {
  const lookup = options.lookup ?? defaultLookup;
  return {
    get: (request) => exchange({ ...request, method: "GET" }, lookup),
    send: (request) => exchange(request, lookup),
  };
}

async function exchange(request: HttpSendRequest, lookup: Lookup): Promise<HttpExchange> {
  const marks: Marks = { start: performance.now() };
  const https = request.url.protocol === "https:";
  let phase: Phase = "dns";
  let certificate: PeerCertificate | undefined;
  let timedOut = false;
  let outgoing: ClientRequest | undefined;
  let response: IncomingMessage | undefined;
  const controller = new AbortController();
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new ProbeFailure(timeoutFailure(phase, request.timeoutMs)));
  }, request.timeoutMs);
  const onAbort = (): void => {
    outgoing?.destroy(controller.signal.reason instanceof Error ? controller.signal.reason : undefined);
  };

  try {
    const sending = startRequest(request, (opened) =>
      openSocket(opened, lookup, marks, controller.signal, {
        onPhase: (next) => {
          phase = next;
        },
        onCertificate: (cert) => {
          certificate = cert;
        },
      }).then((socket) => {
        phase = "headers";
        return socket;
      }),
    );
    outgoing = sending;
    // Registered once node:http has attached its own `data` listener, and put before it.
    sending.once("socket", (socket) => timeExchange(socket, marks));
    controller.signal.addEventListener("abort", onAbort, { once: true });
    const answer = await new Promise<{ incoming: IncomingMessage; reading: Promise<Body> }>(
      (resolve, reject) => {
        sending.once("response", (incoming: IncomingMessage) => {
          marks.headers = performance.now();
          phase = "body";
          // Read from the moment the headers are parsed, so the body's end is seen when it comes.
          resolve({ incoming, reading: readBounded(incoming, request.maxBodyBytes, marks) });
        });
        sending.once("error", reject);
        sending.end(request.body);
      },
    );
    response = answer.incoming;
    const { body, truncated } = await answer.reading;
    const result: HttpResponse = {
      status: response.statusCode ?? 0,
      headers: flattenHeaders(response.rawHeaders),
      body,
      bodyTruncated: truncated,
    };
    return withCertificate({ response: result, timings: phaseTimings(marks, https) }, certificate);
  } catch (error) {
    marks.end = performance.now();
    const failure = timedOut ? timeoutFailure(phase, request.timeoutMs) : failureOf(error, phase, response);
    return withCertificate({ failure, timings: phaseTimings(marks, https) }, certificate);
  } finally {
    clearTimeout(timer);
    controller.signal.removeEventListener("abort", onAbort);
    // One request per connection: whatever state the exchange ended in, the socket goes.
    outgoing?.destroy();
    response?.destroy();
  }
}

/**
 * The request, built and ended before its connection exists: node:http writes it as soon as
 * `connect` hands the socket over, so nothing of ours runs between the ready connection and the
 * write. Throws for a header value node:http refuses (a control character).
 */
function startRequest(
  request: HttpSendRequest,
  connect: (target: SocketTarget) => Promise<Socket>,
): ClientRequest {
  const { url } = request;
  const https = url.protocol === "https:";
  const target: SocketTarget = {
    hostname: url.hostname,
    port: Number(url.port) || (https ? 443 : 80),
    secure: https,
    tls: request.tls,
    alpn: ["http/1.1"],
  };
  return httpRequest({
    method: request.method,
    path: `${url.pathname}${url.search}`,
    headers: requestHeaders(url, request.headers),
    setHost: false,
    createConnection: (_options, created: (error: Error | null, socket: Duplex) => void) => {
      connect(target).then(
        (socket) => created(null, socket),
        (error: unknown) => created(error instanceof Error ? error : new Error(String(error)), NO_SOCKET),
      );
      return undefined;
    },
  });
}

/** node:http's callback type wants a socket even with an error; it is never used then. */
const NO_SOCKET = undefined as unknown as Duplex;

/**
 * Our defaults, then the configured headers (which win, whatever their case). The Host header is
 * the URL's unless configured; `connection: close` is node:http's own for a request without an
 * agent.
 */
function requestHeaders(
  url: URL,
  configured: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {};
  const given = new Set(Object.keys(configured ?? {}).map((name) => name.toLowerCase()));
  const defaults: Record<string, string> = { host: url.host, "user-agent": USER_AGENT, accept: "*/*" };
  for (const [name, value] of Object.entries(defaults)) if (!given.has(name)) headers[name] = value;
  return { ...headers, ...configured };
}

/** What node:http throws for a request it will not send (a control character in a header). */
const REFUSED_REQUEST = new Set(["ERR_INVALID_CHAR", "ERR_INVALID_HTTP_TOKEN", "ERR_UNESCAPED_CHARACTERS"]);

/**
 * node:http reports a connection closed by the peer (FIN) as ECONNRESET without a system call
 * ("socket hang up" before the response, "aborted" in its body); a real reset (RST) carries the
 * `read` system call. Both are said as they happened.
 */
function failureOf(error: unknown, phase: Phase, response: IncomingMessage | undefined): HttpFailure {
  const code = errorCode(error);
  if (code !== undefined && REFUSED_REQUEST.has(code)) {
    // node:http names the header, never its value.
    return { kind: "other", phase, code, message: `request not sent: ${firstLine(errorMessage(error))}` };
  }
  const closedByPeer = errorCode(error) === "ECONNRESET" && error instanceof Error && !("syscall" in error);
  if (!closedByPeer) return describeError(error, phase);
  if (phase === "body" && response?.headers["content-length"] !== undefined) {
    return {
      kind: "reset",
      phase,
      code: "ECONNRESET",
      message: "connection closed before the announced content-length",
    };
  }
  return {
    kind: "reset",
    phase,
    code: "ECONNRESET",
    message: `connection closed by the server during ${PHASE_TEXT[phase]}`,
  };
}

function withCertificate(exchange: HttpExchange, certificate: PeerCertificate | undefined): HttpExchange {
  return certificate ? { ...exchange, certificate } : exchange;
}

/**
 * The first `maxBytes` of the body; the end is marked when its last byte is read (or the limit
 * reached), not after the promise hops that hand the body over.
 */
interface Body {
  readonly body: string;
  readonly truncated: boolean;
}

function readBounded(body: IncomingMessage, maxBytes: number, marks: Marks): Promise<Body> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (truncated: boolean): void => {
      if (settled) return;
      settled = true;
      marks.end = performance.now();
      resolve({ body: Buffer.concat(chunks).toString("utf8"), truncated });
    };
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    body.on("data", (chunk: Buffer) => {
      if (settled) return;
      if (size + chunk.length > maxBytes) {
        chunks.push(chunk.subarray(0, maxBytes - size));
        finish(true);
        body.destroy();
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    });
    body.once("end", () => finish(false));
    body.once("error", fail);
    // Closed without an end or an error: node:http's own word for it, and its code. Every body
    // closes, after its end too: the error (and its stack trace) is made only when it is one.
    body.once("close", () => {
      if (!settled) fail(Object.assign(new Error("aborted"), { code: "ECONNRESET" }));
    });
  });
}

/** Lower-cased names, repeated headers joined with ", " (node:http's `headers` drops some repeats). */
function flattenHeaders(raw: readonly string[]): Record<string, string> {
  // A Map first: a target's header may be named `constructor` or `__proto__`.
  const flat = new Map<string, string>();
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = (raw[index] ?? "").toLowerCase();
    const value = raw[index + 1] ?? "";
    const previous = flat.get(name);
    flat.set(name, previous === undefined ? value : `${previous}, ${value}`);
  }
  return Object.fromEntries(flat);
}

const USER_AGENT = "meet-synthetic-monitor/0.1 (+https://github.com/suitenumerique/meet)";
