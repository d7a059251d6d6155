/**
 * Ttfb ends at the first response byte (like blackbox_exporter's `processing` phase and curl's
 * time_starttransfer), not when the client has parsed the response headers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeHttp } from "../../../../functions/probe/adapters/node-http.ts";
import { TestCa } from "../../../../support/certs.ts";
import {
  type RunningServer,
  sendText,
  startHttpsServer,
  startRawServer,
} from "../../../../support/servers.ts";

const http = createNodeHttp();
let split: RunningServer;
let slowTls: RunningServer;
let ca: TestCa;

beforeAll(async () => {
  // Status line at once, the rest of the response 300 ms later.
  split = await startRawServer((socket) => {
    socket.once("data", () => {
      socket.write("HTTP/1.1 200 OK\r\n");
      setTimeout(
        () => socket.end("content-type: text/plain\r\ncontent-length: 2\r\nconnection: close\r\n\r\nOK"),
        300,
      );
    });
  });
  ca = TestCa.create();
  slowTls = await startHttpsServer(ca.issue({ hosts: ["127.0.0.1"] }), (_request, response) => {
    setTimeout(() => sendText(response, 200, "OK"), 100);
  });
});
afterAll(async () => {
  await Promise.all([split.close(), slowTls.close()]);
});

describe("Ttfb", () => {
  it("ends when the response starts to arrive, not when its headers are complete", async () => {
    const exchange = await http.get({ url: new URL(`${split.url}/`), timeoutMs: 5_000, maxBodyBytes: 1024 });
    expect(exchange.response?.status).toBe(200);
    expect(exchange.response?.body).toBe("OK");
    // The server holds the rest of the headers 300 ms after the first line: Ttfb must end before
    // that wait (ending at complete headers would leave ~0 ms between Ttfb and the end).
    expect(
      exchange.timings.totalMs - (exchange.timings.ttfbMs ?? Number.POSITIVE_INFINITY),
    ).toBeGreaterThanOrEqual(150);
    expect(exchange.timings.totalMs).toBeGreaterThanOrEqual(290);
  });

  it("covers the server's wait over TLS, and no more than the wait plus a margin", async () => {
    const exchange = await http.get({
      url: new URL(`${slowTls.url}/`),
      timeoutMs: 5_000,
      maxBodyBytes: 1024,
      tls: { ca: ca.cert },
    });
    expect(exchange.response?.status).toBe(200);
    expect(exchange.timings.ttfbMs).toBeGreaterThanOrEqual(99);
    expect(exchange.timings.ttfbMs).toBeLessThan(exchange.timings.totalMs);
  });
});
