/**
 * The floor of the Ttfb measurement for any Node.js client: a bare `node:net` socket writes a
 * minimal HTTP/1.1 request in its `connect` callback and times the first `data` event, with no
 * HTTP library, no parser and no promise between the two. Measured exactly like our port (from the
 * ready connection to the first response byte), what separates it from the server's own clock is
 * the loopback, the kernel and Node's event loop waking up: no user-space client can go below it.
 */
import { connect } from "node:net";
import { performance } from "node:perf_hooks";

export interface BareSample {
  readonly ok: boolean;
  /** From the `connect` event (request written at once) to the first `data` event. */
  readonly ttfbMs?: number;
  /** From the connection's start to the last byte of the response (headers and content-length). */
  readonly totalMs?: number;
}

const HEAD_END = "\r\n\r\n";

/** One GET on a fresh loopback connection; the answer must carry a content-length. */
export function bareGet(port: number, path: string, timeoutMs: number): Promise<BareSample> {
  return new Promise((resolve) => {
    const start = performance.now();
    let ready: number | undefined;
    let firstByte: number | undefined;
    let complete: number | undefined;
    let received = "";
    const socket = connect({ host: "127.0.0.1", port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.once("connect", () => {
      ready = performance.now();
      socket.write(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nconnection: close\r\n\r\n`);
    });
    socket.on("data", (chunk: Buffer) => {
      firstByte ??= performance.now();
      received += chunk.toString("latin1");
      const headEnd = received.indexOf(HEAD_END);
      const length = /\r\ncontent-length: *(\d+)/i.exec(received.slice(0, headEnd))?.[1];
      if (headEnd >= 0 && length !== undefined && received.length >= headEnd + 4 + Number(length)) {
        complete ??= performance.now();
        socket.destroy();
      }
    });
    socket.once("error", () => undefined);
    socket.once("close", () => {
      clearTimeout(timer);
      const ok = complete !== undefined && received.startsWith("HTTP/1.1 200 ");
      resolve({
        ok,
        ...(ready !== undefined && firstByte !== undefined ? { ttfbMs: firstByte - ready } : {}),
        ...(complete === undefined ? {} : { totalMs: complete - start }),
      });
    });
  });
}
