/**
 * The real WebSocket port: the `ws` client on a connection made by ./connect.ts like every HTTP
 * exchange (DNS, TCP and TLS timed apart, the target's trust settings applied to wss://), so a
 * refused upgrade's HTTP status is seen (`unexpected-response`) rather than hidden behind close
 * code 1006 as the WebSocket API of browsers and Node hides it.
 */
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import type { PeerCertificate, Phase } from "../http.ts";
import type {
  Incoming,
  MessageSocket,
  WebSocketOpening,
  WebSocketPort,
  WebSocketRequest,
} from "../sockets.ts";
import { defaultLookup, type Lookup, type Marks, openSocket, phaseTimings, timeExchange } from "./connect.ts";
import { describeError, ProbeFailure, timeoutFailure } from "./failures.ts";

export interface WebSocketPortOptions {
  /** @default the system resolver */
  readonly lookup?: Lookup;
}

/**
 * The largest message accepted. LiveKit's join response is a few KB (its ICE servers, the room);
 * a target sending more has its socket closed (ws says 1009 to it) rather than fill a 256 MB
 * function.
 */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

export function createWebSocketPort(options: WebSocketPortOptions = {}): WebSocketPort {
  const lookup = options.lookup ?? defaultLookup;
  return { open: (request) => openWebSocket(request, lookup) };
}

async function openWebSocket(request: WebSocketRequest, lookup: Lookup): Promise<WebSocketOpening> {
  const marks: Marks = { start: performance.now() };
  const secure = request.url.protocol === "wss:";
  let phase: Phase = "dns";
  let certificate: PeerCertificate | undefined;
  let upgradeStatus: number | undefined;
  let handshakeError: Error | undefined;
  let timedOut = false;
  const controller = new AbortController();
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new ProbeFailure(timeoutFailure(phase, request.timeoutMs)));
  }, request.timeoutMs);
  const withCertificate = () => (certificate ? { certificate } : {});

  let connection: Socket;
  try {
    connection = await openSocket(
      {
        hostname: request.url.hostname,
        port: Number(request.url.port) || (secure ? 443 : 80),
        secure,
        tls: request.tls,
        alpn: ["http/1.1"],
      },
      lookup,
      marks,
      controller.signal,
      {
        onPhase: (next) => {
          phase = next;
        },
        onCertificate: (cert) => {
          certificate = cert;
        },
      },
    );
  } catch (error) {
    clearTimeout(timer);
    const failure = timedOut ? timeoutFailure(phase, request.timeoutMs) : describeError(error, phase);
    return { failure, timings: phaseTimings(marks, secure), ...withCertificate() };
  }
  phase = "headers";

  const socket = new WebSocket(request.url, {
    createConnection: () => connection,
    maxPayload: MAX_MESSAGE_BYTES,
    finishRequest: (upgrade) => {
      upgrade.once("socket", (attached) => timeExchange(attached, marks));
      upgrade.end();
    },
  });
  socket.binaryType = "arraybuffer";
  socket.on("error", (error) => {
    handshakeError ??= error;
  });
  socket.on("upgrade", () => {
    upgradeStatus = 101;
    marks.headers = performance.now();
  });
  socket.on("unexpected-response", (_request, response) => {
    upgradeStatus = response.statusCode;
    marks.headers = performance.now();
    socket.terminate();
  });
  // Listening before the opening: a server may send its first message in the very packet that
  // completes the upgrade, and ws emits it at once.
  const messages = messageSocket(socket);
  const opened = await new Promise<boolean>((resolve) => {
    const onAbort = (): void => {
      socket.terminate();
      resolve(false);
    };
    controller.signal.addEventListener("abort", onAbort, { once: true });
    socket.once("open", () => {
      controller.signal.removeEventListener("abort", onAbort);
      resolve(true);
    });
    socket.once("close", () => {
      controller.signal.removeEventListener("abort", onAbort);
      resolve(false);
    });
  });
  clearTimeout(timer);
  const timings = phaseTimings(marks, secure);
  if (opened) return { socket: messages, timings, ...withCertificate() };

  socket.terminate();
  if (timedOut) return { failure: timeoutFailure(phase, request.timeoutMs), timings, ...withCertificate() };
  if (upgradeStatus !== undefined && upgradeStatus !== 101) {
    return {
      failure: { kind: "protocol", phase: "headers", message: `upgrade refused with HTTP ${upgradeStatus}` },
      status: upgradeStatus,
      timings,
      ...withCertificate(),
    };
  }
  if (upgradeStatus === 101) {
    return {
      failure: {
        kind: "protocol",
        phase: "headers",
        message: "invalid WebSocket handshake answer (HTTP 101)",
      },
      timings,
      ...withCertificate(),
    };
  }
  return {
    failure:
      handshakeError === undefined
        ? { kind: "reset", phase, message: "connection closed before the WebSocket upgrade was answered" }
        : describeError(handshakeError, phase),
    timings,
    ...withCertificate(),
  };
}

/** Incoming messages queued in order; `receive` takes the next or waits for it. */
function messageSocket(socket: WebSocket): MessageSocket {
  const queue: Incoming[] = [];
  let closedCode: number | undefined;
  let notify: (() => void) | undefined;
  socket.on("message", (data, isBinary) => {
    queue.push(
      isBinary && data instanceof ArrayBuffer
        ? { kind: "binary", data: new Uint8Array(data) }
        : { kind: "text", length: textOf(data).length },
    );
    notify?.();
  });
  socket.on("close", (code) => {
    closedCode = code;
    notify?.();
  });
  return {
    receive: (timeoutMs) =>
      new Promise<Incoming>((resolve) => {
        const take = (): boolean => {
          const next = queue.shift();
          if (next) resolve(next);
          else if (closedCode !== undefined) resolve({ kind: "closed", code: closedCode });
          else return false;
          return true;
        };
        if (take()) return;
        const timer = setTimeout(() => {
          notify = undefined;
          resolve({ kind: "timeout" });
        }, timeoutMs);
        notify = () => {
          if (take()) {
            clearTimeout(timer);
            notify = undefined;
          }
        };
      }),
    send: (data) => {
      if (socket.readyState !== WebSocket.OPEN) return false;
      socket.send(data);
      return true;
    },
    close: async (graceMs) => {
      if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) {
        const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
        socket.close(1000);
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
        clearTimeout(timer);
      }
      socket.terminate();
    },
  };
}

/** A text message's content (`ws` hands text over as a Buffer whatever the binary type). */
function textOf(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  return (data instanceof ArrayBuffer ? Buffer.from(data) : data).toString("utf8");
}
