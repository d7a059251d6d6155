/**
 * The real WebSocket port: Node's built-in WebSocket (undici's), given a dispatcher of our own so
 * the connection is made by ./connect.ts like every HTTP exchange (DNS, TCP and TLS timed apart,
 * the target's trust settings applied to wss://) and the status of a refused upgrade is seen.
 *
 * Why a dispatcher: the WebSocket API hides why a handshake failed (an `error` event, then close
 * code 1006). An interceptor on our undici Client reads the upgrade's HTTP status, so a 401 is
 * reported as such without a second request. Node's WebSocket speaks undici's first handler API;
 * `Dispatcher1Wrapper` (shipped by undici for exactly this) adapts our Client to it.
 */
import { performance } from "node:perf_hooks";
import { type buildConnector, Client, type Dispatcher, Dispatcher1Wrapper } from "undici";
import type { PeerCertificate, Phase } from "../http.ts";
import type {
  Incoming,
  MessageSocket,
  WebSocketOpening,
  WebSocketPort,
  WebSocketRequest,
} from "../sockets.ts";
import { defaultLookup, type Lookup, type Marks, openSocket, phaseTimings } from "./connect.ts";
import { describeError, ProbeFailure, timeoutFailure } from "./failures.ts";

export interface WebSocketPortOptions {
  /** @default the system resolver */
  readonly lookup?: Lookup;
}

export function createWebSocketPort(options: WebSocketPortOptions = {}): WebSocketPort {
  const lookup = options.lookup ?? defaultLookup;
  return { open: (request) => openWebSocket(request, lookup) };
}

async function openWebSocket(request: WebSocketRequest, lookup: Lookup): Promise<WebSocketOpening> {
  const marks: Marks = { start: performance.now() };
  const secure = request.url.protocol === "wss:";
  let phase: Phase = "dns";
  let certificate: PeerCertificate | undefined;
  let connectError: unknown;
  let upgradeStatus: number | undefined;
  let timedOut = false;
  const controller = new AbortController();

  const connector: buildConnector.connector = (options, callback) => {
    openSocket(
      {
        hostname: options.hostname,
        port: Number(options.port) || (secure ? 443 : 80),
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
    ).then(
      (socket) => {
        phase = "headers";
        callback(null, socket);
      },
      (error: unknown) => {
        connectError = error;
        callback(error instanceof Error ? error : new Error(String(error)), null);
      },
    );
  };
  const origin = `${secure ? "https" : "http"}://${request.url.host}`;
  const client = new Client(origin, { connect: connector, pipelining: 1, headersTimeout: 0, bodyTimeout: 0 });
  const observed = client.compose(
    (dispatch) => (options, handler) =>
      dispatch(
        options,
        observeStatus(handler, (status) => {
          upgradeStatus = status;
          marks.headers = performance.now();
        }),
      ),
  );
  // Node's own types (undici-types) and undici's describe the same dispatcher in two copies.
  const dispatcher = new Dispatcher1Wrapper(observed) as unknown as NonNullable<WebSocketInit["dispatcher"]>;
  const socket = new WebSocket(request.url, { dispatcher });
  socket.binaryType = "arraybuffer";
  const release = (): Promise<void> => client.destroy().catch(() => undefined);

  const opened = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new ProbeFailure(timeoutFailure(phase, request.timeoutMs)));
      socket.close();
      resolve(false);
    }, request.timeoutMs);
    socket.addEventListener("open", () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.addEventListener("close", () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  const timings = phaseTimings(marks, secure);
  const withCertificate = certificate ? { certificate } : {};
  if (opened) return { socket: messageSocket(socket, release), timings, ...withCertificate };

  await release();
  if (timedOut) return { failure: timeoutFailure(phase, request.timeoutMs), timings, ...withCertificate };
  if (upgradeStatus !== undefined && upgradeStatus !== 101) {
    return {
      failure: { kind: "protocol", phase: "headers", message: `upgrade refused with HTTP ${upgradeStatus}` },
      status: upgradeStatus,
      timings,
      ...withCertificate,
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
      ...withCertificate,
    };
  }
  return {
    failure:
      connectError === undefined
        ? { kind: "reset", phase, message: "connection closed before the WebSocket upgrade was answered" }
        : describeError(connectError, phase),
    timings,
    ...withCertificate,
  };
}

/** Passes every call through, telling `onStatus` the status of the upgrade's answer. */
function observeStatus(
  handler: Dispatcher.DispatchHandler,
  onStatus: (status: number) => void,
): Dispatcher.DispatchHandler {
  return {
    onRequestStart: (controller, context) => handler.onRequestStart?.(controller, context),
    onRequestUpgrade: (controller, status, headers, socket) => {
      onStatus(status);
      handler.onRequestUpgrade?.(controller, status, headers, socket);
    },
    onResponseStart: (controller, status, headers, message) => {
      onStatus(status);
      handler.onResponseStart?.(controller, status, headers, message);
    },
    onResponseData: (controller, chunk) => handler.onResponseData?.(controller, chunk),
    onResponseEnd: (controller, trailers) => handler.onResponseEnd?.(controller, trailers),
    onResponseError: (controller, error) => handler.onResponseError?.(controller, error),
  };
}

/** Incoming messages queued in order; `receive` takes the next or waits for it. */
function messageSocket(socket: WebSocket, release: () => Promise<void>): MessageSocket {
  const queue: Incoming[] = [];
  let closedCode: number | undefined;
  let notify: (() => void) | undefined;
  socket.addEventListener("message", (event: MessageEvent) => {
    const { data } = event;
    queue.push(
      data instanceof ArrayBuffer
        ? { kind: "binary", data: new Uint8Array(data) }
        : { kind: "text", length: String(data).length },
    );
    notify?.();
  });
  socket.addEventListener("close", (event: CloseEvent) => {
    closedCode = event.code;
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
        const closed = new Promise<void>((resolve) => socket.addEventListener("close", () => resolve()));
        socket.close(1000);
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
        clearTimeout(timer);
      }
      await release();
    },
  };
}
