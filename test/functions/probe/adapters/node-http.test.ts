import type { TLSSocket } from "node:tls";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createNodeHttp } from "../../../../functions/probe/adapters/node-http.ts";
import type { HttpRequest } from "../../../../functions/probe/http.ts";
import { DAY, type Pem, selfSigned, TestCa } from "../../../../support/certs.ts";
import {
  closedPort,
  loopbackLookup,
  type RunningServer,
  sendText,
  startHttpServer,
  startHttpsServer,
  startRawServer,
} from "../../../../support/servers.ts";

const http = createNodeHttp({ lookup: loopbackLookup });
const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
async function track(server: Promise<RunningServer>): Promise<RunningServer> {
  const running = await server;
  servers.push(running);
  return running;
}

function request(url: string, extra: Partial<HttpRequest> = {}): HttpRequest {
  return { url: new URL(url), timeoutMs: 2_000, maxBodyBytes: 64 * 1024, ...extra };
}

describe("node:http adapter over plain HTTP", () => {
  it("returns status, headers and body with every phase timed", async () => {
    const server = await track(startHttpServer((_req, res) => sendText(res, 200, "OK")));
    const exchange = await http.get(request(`http://meet.test:${server.port}/`));
    expect(exchange.failure).toBeUndefined();
    expect(exchange.response).toMatchObject({ status: 200, body: "OK", bodyTruncated: false });
    expect(exchange.response?.headers["content-type"]).toBe("text/plain");
    const { timings } = exchange;
    expect(timings.dnsMs).toBeGreaterThanOrEqual(0);
    expect(timings.connectMs).toBeGreaterThanOrEqual(0);
    expect(timings.ttfbMs).toBeGreaterThanOrEqual(0);
    expect(timings.tlsMs).toBeUndefined();
    expect(timings.totalMs).toBeGreaterThanOrEqual(
      (timings.dnsMs ?? 0) + (timings.connectMs ?? 0) + (timings.ttfbMs ?? 0) - 0.01,
    );
  });

  it("does not time DNS for an IP literal", async () => {
    const server = await track(startHttpServer((_req, res) => sendText(res, 200, "OK")));
    const exchange = await http.get(request(`${server.url}/`));
    expect(exchange.response?.status).toBe(200);
    expect(exchange.timings.dnsMs).toBeUndefined();
    expect(exchange.timings.connectMs).toBeDefined();
  });

  it("opens a fresh connection per request and asks the server to close it", async () => {
    const seen: (string | undefined)[] = [];
    const server = await track(
      startHttpServer((req, res) => {
        seen.push(req.headers.connection);
        sendText(res, 200, "OK");
      }),
    );
    await http.get(request(`${server.url}/`));
    await http.get(request(`${server.url}/`));
    expect(server.connections()).toBe(2);
    expect(seen).toEqual(["close", "close"]);
  });

  it("sends the configured headers, including a Host override", async () => {
    let host: string | undefined;
    let custom: string | undefined;
    const server = await track(
      startHttpServer((req, res) => {
        host = req.headers.host;
        custom = req.headers["x-forwarded-proto"] as string | undefined;
        sendText(res, 200, "OK");
      }),
    );
    await http.get(
      request(`${server.url}/__heartbeat__`, {
        headers: { Host: "meet.example.org", "X-Forwarded-Proto": "https" },
      }),
    );
    expect(host).toBe("meet.example.org");
    expect(custom).toBe("https");
  });

  it("does not follow redirects", async () => {
    const server = await track(
      startHttpServer((_req, res) => {
        res.writeHead(301, { location: "https://meet.example.org/__heartbeat__?token=x" });
        res.end();
      }),
    );
    const exchange = await http.get(request(`${server.url}/__heartbeat__`));
    expect(exchange.response?.status).toBe(301);
    expect(exchange.response?.headers.location).toBe("https://meet.example.org/__heartbeat__?token=x");
    expect(server.connections()).toBe(1);
  });

  it("reads at most maxBodyBytes of a huge body and stops", async () => {
    const chunk = Buffer.alloc(64 * 1024, "a");
    let written = 0;
    const server = await track(
      startHttpServer((_req, res) => {
        res.writeHead(200, { "content-type": "text/plain" });
        const pump = (): void => {
          while (written < 500 * 1024 * 1024) {
            written += chunk.length;
            if (!res.write(chunk)) {
              res.once("drain", pump);
              return;
            }
          }
          res.end();
        };
        pump();
      }),
    );
    const exchange = await http.get(request(`${server.url}/`, { maxBodyBytes: 1000 }));
    expect(exchange.response?.bodyTruncated).toBe(true);
    expect(exchange.response?.body).toHaveLength(1000);
    expect(written).toBeLessThan(100 * 1024 * 1024);
  });

  it("times out while waiting for headers when the server hangs", async () => {
    const server = await track(startRawServer(() => undefined));
    const exchange = await http.get(request(`${server.url}/`, { timeoutMs: 300 }));
    expect(exchange.failure).toMatchObject({ kind: "timeout", phase: "headers" });
    expect(exchange.failure?.message).toBe("timeout after 300 ms during waiting for response headers");
    expect(exchange.timings.totalMs).toBeGreaterThanOrEqual(299);
    expect(exchange.timings.connectMs).toBeDefined();
  });

  it("times out while headers drip in slowly", async () => {
    const server = await track(
      startRawServer((socket) => {
        const text = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK";
        let index = 0;
        const timer = setInterval(() => {
          if (socket.destroyed || index >= text.length) return clearInterval(timer);
          socket.write(text[index++] ?? "");
        }, 50);
        socket.on("close", () => clearInterval(timer));
      }),
    );
    const exchange = await http.get(request(`${server.url}/`, { timeoutMs: 400 }));
    expect(exchange.failure).toMatchObject({ kind: "timeout", phase: "headers" });
  });

  it("times out in the middle of the body", async () => {
    const server = await track(
      startRawServer((socket) => {
        socket.once("data", () => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"status": '));
      }),
    );
    const exchange = await http.get(request(`${server.url}/`, { timeoutMs: 300 }));
    expect(exchange.failure).toMatchObject({ kind: "timeout", phase: "body" });
    expect(exchange.timings.ttfbMs).toBeDefined();
  });

  it("times out during a DNS lookup that never answers", async () => {
    const hanging = createNodeHttp({ lookup: () => new Promise(() => undefined) });
    const exchange = await hanging.get(request("http://slow-dns.test:1/", { timeoutMs: 200 }));
    expect(exchange.failure).toMatchObject({ kind: "timeout", phase: "dns" });
  });

  it("times out during a TLS handshake the server never answers", async () => {
    const server = await track(startRawServer(() => undefined));
    const exchange = await http.get(request(`https://127.0.0.1:${server.port}/`, { timeoutMs: 300 }));
    expect(exchange.failure).toMatchObject({ kind: "timeout", phase: "tls" });
  });

  it("reports a connection reset", async () => {
    const server = await track(
      startRawServer((socket) => socket.once("data", () => socket.resetAndDestroy())),
    );
    const exchange = await http.get(request(`${server.url}/`));
    expect(exchange.failure).toMatchObject({ kind: "reset", phase: "headers" });
    expect(exchange.failure?.message).toBe(
      "connection reset by the server during waiting for response headers",
    );
  });

  it("reports a server that closes the connection without answering", async () => {
    const server = await track(startRawServer((socket) => socket.once("data", () => socket.end())));
    const exchange = await http.get(request(`${server.url}/`));
    expect(exchange.failure).toMatchObject({ kind: "reset", phase: "headers" });
    expect(exchange.failure?.message).toBe(
      "connection closed by the server during waiting for response headers",
    );
  });

  it("reports a body cut short of its content-length", async () => {
    const server = await track(
      startRawServer((socket) =>
        socket.once("data", () => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"status": "o')),
      ),
    );
    const exchange = await http.get(request(`${server.url}/`));
    expect(exchange.failure).toMatchObject({ kind: "reset", phase: "body" });
    expect(exchange.failure?.message).toBe("connection closed before the announced content-length");
  });

  it("joins repeated headers, and a header named like an object's property is just a header", async () => {
    const server = await track(
      startRawServer((socket) =>
        socket.once("data", () =>
          socket.end(
            "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nconstructor: c\r\n__proto__: p\r\ncontent-length: 2\r\n\r\nOK",
          ),
        ),
      ),
    );
    const exchange = await http.get(request(`${server.url}/`));
    expect(exchange.response?.headers).toEqual({
      "set-cookie": "a=1, b=2",
      constructor: "c",
      ["__proto__"]: "p",
      "content-length": "2",
    });
    expect(Object.getPrototypeOf(exchange.response?.headers)).toBe(Object.prototype);
  });

  it("reports a header value node:http refuses as a failure, without the value, and sends nothing", async () => {
    let connections = 0;
    const server = await track(
      startRawServer(() => {
        connections++;
      }),
    );
    const exchange = await http.get(
      request(`${server.url}/`, { headers: { "x-token": "s3cr3t\r\nx-injected: 1" } }),
    );
    expect(exchange.failure).toMatchObject({ kind: "other", code: "ERR_INVALID_CHAR" });
    expect(exchange.failure?.message).toMatch(
      /^request not sent: Invalid character in header content \["x-token"\]/,
    );
    expect(exchange.failure?.message).not.toContain("s3cr3t");
    expect(connections).toBe(0);
  });

  it("reports a refused connection", async () => {
    const port = await closedPort();
    const exchange = await http.get(request(`http://127.0.0.1:${port}/`));
    expect(exchange.failure).toMatchObject({ kind: "refused", phase: "connect", code: "ECONNREFUSED" });
  });

  it("reports a name that does not resolve", async () => {
    const exchange = await http.get(request("http://backend.nowhere.invalid:8000/"));
    expect(exchange.failure).toMatchObject({ kind: "dns", phase: "dns", code: "ENOTFOUND" });
    expect(exchange.failure?.message).toContain("backend.nowhere.invalid");
  });

  it("reports a response that is not HTTP", async () => {
    const server = await track(
      startRawServer((socket) => socket.once("data", () => socket.end("SSH-2.0-OpenSSH\r\n"))),
    );
    const exchange = await http.get(request(`${server.url}/`));
    expect(exchange.failure?.kind).toBe("protocol");
    expect(exchange.failure?.message).toMatch(/^invalid HTTP response: /);
  });
});

describe("node:http adapter over HTTPS", () => {
  let ca: TestCa;
  let valid: Pem;
  beforeAll(() => {
    ca = TestCa.create();
    valid = ca.issue({ hosts: ["livekit.test"], notAfter: new Date(Date.now() + 30 * DAY) });
  });

  it("times the handshake, verifies against the configured CA and reads the certificate", async () => {
    const server = await track(startHttpsServer(valid, (_req, res) => sendText(res, 200, "OK")));
    const exchange = await http.get(
      request(`https://livekit.test:${server.port}/`, { tls: { ca: ca.cert } }),
    );
    expect(exchange.response?.status).toBe(200);
    expect(exchange.timings.tlsMs).toBeGreaterThan(0);
    expect(exchange.certificate?.subject).toBe("livekit.test");
    const daysLeft = ((exchange.certificate?.validTo.getTime() ?? 0) - Date.now()) / DAY;
    expect(daysLeft).toBeGreaterThan(29);
    expect(daysLeft).toBeLessThan(30.01);
  });

  it("never resumes a TLS session", async () => {
    const resumed: boolean[] = [];
    const server = await track(
      startHttpsServer(valid, (req, res) => {
        resumed.push((req.socket as TLSSocket).isSessionReused());
        sendText(res, 200, "OK");
      }),
    );
    for (let i = 0; i < 3; i++) {
      await http.get(request(`https://livekit.test:${server.port}/`, { tls: { ca: ca.cert } }));
    }
    expect(resumed).toEqual([false, false, false]);
    expect(server.connections()).toBe(3);
  });

  it("fails an expired certificate but still reports its expiry", async () => {
    const expired = ca.issue({
      hosts: ["livekit.test"],
      notBefore: new Date(Date.now() - 100 * DAY),
      notAfter: new Date(Date.now() - 2 * DAY),
    });
    const server = await track(startHttpsServer(expired, (_req, res) => sendText(res, 200, "OK")));
    const exchange = await http.get(
      request(`https://livekit.test:${server.port}/`, { tls: { ca: ca.cert } }),
    );
    expect(exchange.failure).toMatchObject({ kind: "tls", phase: "tls", code: "CERT_HAS_EXPIRED" });
    expect(exchange.failure?.message).toBe("TLS: certificate has expired (CERT_HAS_EXPIRED)");
    expect(exchange.certificate?.validTo.getTime()).toBeLessThan(Date.now());
  });

  it("fails a self-signed certificate", async () => {
    const server = await track(
      startHttpsServer(selfSigned({ hosts: ["livekit.test"] }), (_req, res) => sendText(res, 200, "OK")),
    );
    const exchange = await http.get(request(`https://livekit.test:${server.port}/`));
    expect(exchange.failure).toMatchObject({ kind: "tls", code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
  });

  it("fails a certificate for another host", async () => {
    const other = ca.issue({ hosts: ["other.test"] });
    const server = await track(startHttpsServer(other, (_req, res) => sendText(res, 200, "OK")));
    const exchange = await http.get(
      request(`https://livekit.test:${server.port}/`, { tls: { ca: ca.cert } }),
    );
    expect(exchange.failure).toMatchObject({ kind: "tls", code: "ERR_TLS_CERT_ALTNAME_INVALID" });
    expect(exchange.failure?.message).toContain("not valid for livekit.test");
  });

  it("accepts a certificate for another name when tls.servername names it", async () => {
    const other = ca.issue({ hosts: ["other.test"] });
    const server = await track(startHttpsServer(other, (_req, res) => sendText(res, 200, "OK")));
    const exchange = await http.get(
      request(`https://127.0.0.1:${server.port}/`, { tls: { ca: ca.cert, servername: "other.test" } }),
    );
    expect(exchange.response?.status).toBe(200);
  });

  it("fails a certificate from an unknown CA", async () => {
    const server = await track(startHttpsServer(valid, (_req, res) => sendText(res, 200, "OK")));
    const exchange = await http.get(request(`https://livekit.test:${server.port}/`));
    expect(exchange.failure).toMatchObject({ kind: "tls", code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" });
  });

  it("accepts any certificate with insecureSkipVerify and still reports its expiry", async () => {
    const server = await track(
      startHttpsServer(selfSigned({ hosts: ["x.test"] }), (_req, res) => sendText(res, 200, "OK")),
    );
    const exchange = await http.get(
      request(`https://livekit.test:${server.port}/`, { tls: { insecureSkipVerify: true } }),
    );
    expect(exchange.response?.status).toBe(200);
    expect(exchange.certificate).toBeDefined();
  });

  it("says in one sentence that an https URL reached a plain HTTP port, without OpenSSL's dump", async () => {
    const server = await track(startHttpServer((_req, res) => sendText(res, 200, "OK")));
    const exchange = await http.get(request(`https://127.0.0.1:${server.port}/`));
    expect(exchange.failure).toEqual({
      kind: "tls",
      phase: "tls",
      code: "ERR_SSL_WRONG_VERSION_NUMBER",
      message:
        "TLS handshake failed: the port answered without TLS, probably plain HTTP (wrong version number)",
    });
  });

  // A server that answers the ClientHello with one TLS alert record (level fatal, description).
  it.each([
    [
      40,
      "the server refused the handshake: no cipher in common, or it wants a client certificate (ssl/tls alert handshake failure)",
    ],
    [
      70,
      "the server and the probe share no TLS version: the probe speaks TLS 1.2 and 1.3 (tlsv1 alert protocol version)",
    ],
    [
      80,
      "the server failed its side of the handshake, often for lack of a certificate for the name sent (tlsv1 alert internal error)",
    ],
    [
      112,
      "the server does not serve the name sent in SNI; tls.servername sends another (tlsv1 unrecognized name)",
    ],
    [
      116,
      "the server requires a client certificate, which the monitor does not send (tlsv13 alert certificate required)",
    ],
  ])("maps TLS alert %i to one short sentence", async (alert, sentence) => {
    const server = await track(
      startRawServer((socket) =>
        socket.once("data", () => socket.end(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, alert]))),
      ),
    );
    const exchange = await http.get(request(`https://meet.test:${server.port}/`));
    expect(exchange.failure).toMatchObject({ kind: "tls", phase: "tls" });
    expect(exchange.failure?.message).toBe(`TLS handshake failed: ${sentence}`);
    expect(exchange.failure?.message).not.toMatch(/error:|openssl|\.c:\d/);
  });
});
