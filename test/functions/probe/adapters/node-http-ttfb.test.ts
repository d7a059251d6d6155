/**
 * Ttfb starts when the request is handed to the ready connection (curl's time_pretransfer) and
 * ends at the first response byte (blackbox_exporter's GotFirstResponseByte, curl's
 * time_starttransfer), not when the client has parsed the response headers.
 */

import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Marks, phaseTimings, timeExchange } from "../../../../functions/probe/adapters/connect.ts";
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

describe("Ttfb from the marks of an exchange", () => {
  const marks = {
    start: 0,
    resolved: 2,
    connected: 5,
    requestSent: 5.4,
    firstByte: 105.4,
    headers: 105.9,
    end: 106,
  };

  it("starts at the request handed to the connection: our work before the write is not the server's", () => {
    expect(phaseTimings(marks, false)).toEqual({
      dnsMs: 2,
      connectMs: 3,
      ttfbMs: 100,
      totalMs: 106,
    });
  });

  it("starts at the ready connection when the request was not marked (TLS ready after the handshake)", () => {
    const { requestSent: _sent, ...unmarked } = marks;
    expect(phaseTimings({ ...unmarked, secured: 7 }, true)).toMatchObject({ tlsMs: 2, ttfbMs: 98.4 });
  });

  it("ends at the headers when no first byte was marked before them", () => {
    const { firstByte: _first, ...unmarked } = marks;
    expect(phaseTimings(unmarked, false)).toMatchObject({ ttfbMs: 100.5 });
  });
});

describe("timeExchange", () => {
  it("marks the request handed over, then the first byte before the client's own listener reads it", () => {
    const socket = new PassThrough();
    const marks: Marks = { start: 0 };
    const seenByClient: (number | undefined)[] = [];
    socket.on("data", () => seenByClient.push(marks.firstByte));
    timeExchange(socket, marks);
    expect(marks.requestSent).toBeGreaterThan(0);
    expect(marks.firstByte).toBeUndefined();
    socket.write("HTTP/1.1 200 OK\r\n");
    socket.write("content-length: 0\r\n\r\n");
    expect(seenByClient).toHaveLength(2);
    expect(seenByClient[0]).toBeGreaterThanOrEqual(marks.requestSent ?? Number.POSITIVE_INFINITY);
    expect(seenByClient[1]).toBe(seenByClient[0]);
  });
});
