/**
 * Real servers on 127.0.0.1, ephemeral ports, closed after each test (undici's own test style).
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createNetServer, type Server, type Socket } from "node:net";
import type { Lookup } from "../../functions/probe/adapters/undici-http.ts";
import type { Pem } from "./certs.ts";

export interface RunningServer {
  readonly port: number;
  /** http(s)://127.0.0.1:PORT */
  readonly url: string;
  /** Number of TCP connections accepted so far. */
  connections(): number;
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

async function listen(server: Server, scheme: string): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  server.on("connection", (socket: Socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const port = await listenOnLoopback(server);
  return {
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export function startHttpServer(handler: Handler): Promise<RunningServer> {
  return listen(createHttpServer(handler), "http");
}

export function startHttpsServer(pem: Pem, handler: Handler): Promise<RunningServer> {
  return listen(createHttpsServer({ cert: pem.cert, key: pem.key }, handler), "https");
}

/** A bare TCP server for misbehaviour no HTTP server library would produce. */
export function startRawServer(onSocket: (socket: Socket) => void): Promise<RunningServer> {
  return listen(
    createNetServer((socket) => {
      socket.on("error", () => undefined);
      onSocket(socket);
    }),
    "http",
  );
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
