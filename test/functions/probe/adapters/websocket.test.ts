/**
 * The WebSocket port on real loopback servers (the `ws` server): what a refused upgrade says, a
 * first message sent in the same breath as the upgrade, and the bound on a message's size.
 */
import { createServer } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { createWebSocketPort, MAX_MESSAGE_BYTES } from "../../../../functions/probe/adapters/websocket.ts";
import type { WebSocketOpening } from "../../../../functions/probe/sockets.ts";
import { type RunningServer, serve } from "../../../../support/servers.ts";

const port = createWebSocketPort();
const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

/** A WebSocket server that sends `first` (if any) as soon as a client is connected. */
async function startSignal(first?: Buffer): Promise<{ server: RunningServer; upgrades: () => number }> {
  const http = createServer();
  const sockets = new WebSocketServer({ server: http });
  let upgrades = 0;
  http.prependListener("upgrade", () => {
    upgrades++;
  });
  sockets.on("connection", (socket) => {
    if (first) socket.send(first);
  });
  const server = await serve(http);
  running.push(server);
  return { server, upgrades: () => upgrades };
}

function open(url: string): Promise<WebSocketOpening> {
  return port.open({ url: new URL(url), timeoutMs: 2_000 });
}

describe("WebSocket port", () => {
  it("says a refused upgrade's HTTP status, asking once", async () => {
    let upgrades = 0;
    const http = createServer();
    http.on("upgrade", (_request, socket) => {
      upgrades++;
      socket.end("HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    });
    const server = await serve(http);
    running.push(server);
    const opening = await open(`ws://127.0.0.1:${server.port}/rtc?access_token=secret-token`);
    expect(opening.failure).toEqual({
      kind: "protocol",
      phase: "headers",
      message: "upgrade refused with HTTP 401",
    });
    expect(opening.failure === undefined ? undefined : opening.status).toBe(401);
    expect(opening.timings.ttfbMs).toBeGreaterThanOrEqual(0);
    expect(upgrades).toBe(1);
  });

  it("keeps a message sent the moment the upgrade completes", async () => {
    const { server, upgrades } = await startSignal(Buffer.from([1, 2, 3]));
    const opening = await open(`ws://127.0.0.1:${server.port}/rtc`);
    expect(opening.failure).toBeUndefined();
    const message = await opening.socket?.receive(1_000);
    expect(message).toEqual({ kind: "binary", data: new Uint8Array([1, 2, 3]) });
    await opening.socket?.close(500);
    expect(upgrades()).toBe(1);
  });

  it("closes the socket on a message over the bound instead of holding it", async () => {
    const { server } = await startSignal(Buffer.alloc(MAX_MESSAGE_BYTES + 1));
    const opening = await open(`ws://127.0.0.1:${server.port}/rtc`);
    expect(opening.failure).toBeUndefined();
    expect(await opening.socket?.receive(1_000)).toMatchObject({ kind: "closed" });
    await opening.socket?.close(500);
  });

  it("takes a message at the bound", async () => {
    const { server } = await startSignal(Buffer.alloc(MAX_MESSAGE_BYTES));
    const opening = await open(`ws://127.0.0.1:${server.port}/rtc`);
    const message = await opening.socket?.receive(1_000);
    expect(message?.kind).toBe("binary");
    expect(message?.kind === "binary" ? message.data.length : 0).toBe(MAX_MESSAGE_BYTES);
    await opening.socket?.close(500);
  });
});
