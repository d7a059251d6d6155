/**
 * Real servers on 127.0.0.1, ephemeral ports, closed after each test (undici's own test style).
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createNetServer, type Server, type Socket } from "node:net";
import type { Lookup } from "../functions/probe/adapters/node-http.ts";
import type { Pem } from "./certs.ts";

export interface RunningServer {
  readonly port: number;
  /** http(s)://127.0.0.1:PORT */
  readonly url: string;
  /** Number of TCP connections accepted so far. */
  connections(): number;
  /** Sockets currently open on the server side. */
  openSockets(): number;
  close(): Promise<void>;
}

export type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** Listens on 127.0.0.1, on a port the system picks; resolves with that port. */
export async function listenOnLoopback(server: Server, backlog?: number): Promise<number> {
  await new Promise<void>((resolve) =>
    server.listen({ port: 0, host: "127.0.0.1", ...(backlog === undefined ? {} : { backlog }) }, resolve),
  );
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("server has no TCP address");
  return address.port;
}

export interface ServeOptions {
  /** The URL's scheme. @default "http" */
  readonly scheme?: string;
  /** The listen backlog (the bench opens hundreds of connections at once). */
  readonly backlog?: number;
  /** Called with every accepted TCP socket (the raw one, also for TLS servers). */
  readonly onSocket?: (socket: Socket) => void;
}

/**
 * Starts `server` on loopback, counting the TCP sockets it accepts; `close()` destroys the open
 * ones first, so a test never waits for a keep-alive or a hung client.
 */
export async function serve(server: Server, options: ServeOptions = {}): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  // TLS servers emit `secureConnection` for the TLS socket; the raw TCP socket is what we count.
  server.on("connection", (socket: Socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    options.onSocket?.(socket);
  });
  const port = await listenOnLoopback(server, options.backlog);
  return {
    port,
    url: `${options.scheme ?? "http"}://127.0.0.1:${port}`,
    connections: () => accepted,
    openSockets: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export function startHttpServer(handler: Handler): Promise<RunningServer> {
  return serve(createHttpServer(handler));
}

export function startHttpsServer(pem: Pem, handler: Handler): Promise<RunningServer> {
  return serve(createHttpsServer({ cert: pem.cert, key: pem.key }, handler), { scheme: "https" });
}

/** A bare TCP server for misbehaviour no HTTP server library would produce. */
export function startRawServer(onSocket: (socket: Socket) => void): Promise<RunningServer> {
  return serve(createNetServer(onSocket));
}

/**
 * A server that answers every request with exactly these bytes (status line, headers, body) and
 * closes: for header values and bodies no HTTP server library would send (control characters in
 * a Location, invalid UTF-8).
 */
export function startRawHttpResponder(response: Buffer | string): Promise<RunningServer> {
  return startRawServer((socket) => {
    let received = "";
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      if (received.includes("\r\n\r\n")) socket.end(response);
    });
  });
}

/** `HTTP/1.1 <status>` with these header lines and body, as raw bytes with a right content-length. */
export function rawHttpResponse(
  status: number,
  headerLines: readonly string[],
  body: Buffer | string,
): Buffer {
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  const head = [
    `HTTP/1.1 ${status} X`,
    ...headerLines,
    `content-length: ${bytes.length}`,
    "connection: close",
  ];
  return Buffer.concat([Buffer.from(`${head.join("\r\n")}\r\n\r\n`, "latin1"), bytes]);
}

/** A port that was free a moment ago: nothing listens there. */
export async function closedPort(): Promise<number> {
  const server = await startRawServer(() => undefined);
  await server.close();
  return server.port;
}

/**
 * Resolves *.test names to 127.0.0.1 and fails every other name like the system resolver would,
 * so tests exercise host names (SNI, certificate names, DNS failures) without leaving loopback.
 */
export const loopbackLookup: Lookup = async (hostname) => {
  if (hostname.endsWith(".test") || hostname === "localhost") return { address: "127.0.0.1", family: 4 };
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND", hostname });
};

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

export function sendText(response: ServerResponse, status: number, body: string, type = "text/plain"): void {
  response.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
  response.end(body);
}
