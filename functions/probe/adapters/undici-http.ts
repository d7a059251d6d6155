/**
 * The real HTTP port: undici for HTTP/1.1, with our own connector (./connect.ts) so that each
 * phase (DNS, TCP, TLS) is timed separately and the certificate is read even when it fails
 * verification, and every exchange uses a brand-new connection with no TLS session reuse: each
 * minute measures what a new user would get.
 */
import { performance } from "node:perf_hooks";
import { type buildConnector, Client } from "undici";
import type {
  HttpExchange,
  HttpPort,
  HttpResponse,
  HttpSendRequest,
  PeerCertificate,
  Phase,
} from "../http.ts";
import {
  defaultLookup,
  type Lookup,
  type Marks,
  openSocket,
  phaseTimings,
  type SocketTarget,
} from "./connect.ts";
import { describeError, ProbeFailure, timeoutFailure } from "./failures.ts";

export type { Lookup, ResolvedAddress } from "./connect.ts";
export { describeError } from "./failures.ts";

export interface UndiciHttpOptions {
  /** @default the system resolver (`dns.lookup`), like every other program on the host */
  readonly lookup?: Lookup;
}

export function createUndiciHttp(options: UndiciHttpOptions = {}): HttpPort {
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
  const controller = new AbortController();
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new ProbeFailure(timeoutFailure(phase, request.timeoutMs)));
  }, request.timeoutMs);

  const connector: buildConnector.connector = (options, callback) => {
    const target: SocketTarget = {
      hostname: options.hostname,
      port: Number(options.port) || (options.protocol === "https:" ? 443 : 80),
      secure: options.protocol === "https:",
      tls: request.tls,
      alpn: ["http/1.1"],
    };
    openSocket(target, lookup, marks, controller.signal, {
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
      method: request.method,
      path: `${request.url.pathname}${request.url.search}`,
      headers: { "user-agent": USER_AGENT, accept: "*/*", ...request.headers },
      ...(request.body === undefined ? {} : { body: request.body }),
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
    return withCertificate({ response: result, timings: phaseTimings(marks, https) }, certificate);
  } catch (error) {
    marks.end = performance.now();
    const failure = timedOut ? timeoutFailure(phase, request.timeoutMs) : describeError(error, phase);
    return withCertificate({ failure, timings: phaseTimings(marks, https) }, certificate);
  } finally {
    clearTimeout(timer);
    await client.destroy().catch(() => undefined);
  }
}

function withCertificate(exchange: HttpExchange, certificate: PeerCertificate | undefined): HttpExchange {
  return certificate ? { ...exchange, certificate } : exchange;
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

const USER_AGENT = "meet-synthetic-monitor/0.1 (+https://github.com/suitenumerique/meet)";
