/**
 * The real STUN port: a connected UDP socket (node:dgram) with RFC 8489's retransmissions, or a
 * TCP or TLS connection from ./connect.ts (timed, verified with the target's trust settings) on
 * which messages are framed by their own length. One channel per check attempt, closed after it.
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { isIP, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { errorCode } from "../../shared/errors.ts";
import type { PeerCertificate } from "../http.ts";
import type { StunChannel, StunEndpoint, StunOpening, StunPort, StunReply } from "../sockets.ts";
import { messageLength, sameTransaction } from "../turn/stun.ts";
import { defaultLookup, type Lookup, type Marks, openSocket, phaseTimings } from "./connect.ts";
import { describeError, ProbeFailure, timeoutFailure } from "./failures.ts";

export interface StunSocketOptions {
  /** @default the system resolver */
  readonly lookup?: Lookup;
}

/** RFC 8489's initial retransmission timeout over UDP; doubled after each retransmission. */
export const INITIAL_RTO_MS = 500;
/** A STUN message is small; anything longer on a stream is not STUN. */
const MAX_MESSAGE_BYTES = 64 * 1024;

export function createStunSocketPort(options: StunSocketOptions = {}): StunPort {
  const lookup = options.lookup ?? defaultLookup;
  return {
    open: (endpoint, timeoutMs) =>
      endpoint.transport === "udp"
        ? openUdp(endpoint, lookup, timeoutMs)
        : openStream(endpoint, lookup, timeoutMs),
  };
}

async function openUdp(endpoint: StunEndpoint, lookup: Lookup, timeoutMs: number): Promise<StunOpening> {
  const marks: Marks = { start: performance.now() };
  const host = endpoint.host.replace(/^\[(.*)\]$/, "$1");
  let address = host;
  let family = isIP(host);
  if (family === 0) {
    try {
      const resolved = await withDeadline(lookup(host), timeoutMs);
      if (resolved === undefined) {
        return { failure: timeoutFailure("dns", timeoutMs), timings: phaseTimings(marks, false) };
      }
      address = resolved.address;
      family = resolved.family;
      marks.resolved = performance.now();
    } catch (error) {
      const code = errorCode(error);
      return {
        failure: {
          kind: "dns",
          phase: "dns",
          ...(code === undefined ? {} : { code }),
          message: `DNS lookup of ${host} failed (${code ?? "no address"})`,
        },
        timings: phaseTimings(marks, false),
      };
    }
  }
  const socket = createSocket(family === 6 ? "udp6" : "udp4");
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.connect(endpoint.port, address, () => {
        socket.removeListener("error", reject);
        resolve();
      });
    });
  } catch (error) {
    socket.close();
    return { failure: describeError(error, "connect"), timings: phaseTimings(marks, false) };
  }
  // No handshake over UDP: the first answer is the first proof the server is there.
  return { channel: udpChannel(socket, endpoint.port), timings: phaseTimings(marks, false) };
}

function udpChannel(socket: UdpSocket, port: number): StunChannel {
  let closed = false;
  // ICMP "port unreachable" comes back as an error on a connected socket; keep the process alive.
  socket.on("error", () => undefined);
  return {
    exchange: (request, transactionId, timeoutMs) =>
      new Promise<StunReply>((resolve) => {
        let rto = INITIAL_RTO_MS;
        let retransmit: NodeJS.Timeout | undefined;
        const finish = (reply: StunReply): void => {
          clearTimeout(deadline);
          clearTimeout(retransmit);
          socket.removeListener("message", onMessage);
          socket.removeListener("error", onError);
          resolve(reply);
        };
        const onMessage = (data: Buffer): void => {
          if (data.length >= 20 && sameTransaction(data.subarray(8, 20), transactionId)) {
            finish({ response: new Uint8Array(data) });
          }
        };
        const onError = (error: Error): void => {
          const code = errorCode(error);
          finish({
            failure:
              code === "ECONNREFUSED"
                ? `port unreachable: nothing listens on UDP port ${port} (ICMP)`
                : `UDP error ${code ?? error.message}`,
          });
        };
        const send = (): void => {
          if (closed) return;
          socket.send(request, (error) => {
            if (error) onError(error);
          });
          retransmit = setTimeout(send, rto);
          rto *= 2;
        };
        const deadline = setTimeout(
          () =>
            finish({
              failure: `no answer within ${timeoutMs} ms over UDP (a firewall dropping UDP, or nothing listening)`,
            }),
          timeoutMs,
        );
        socket.on("message", onMessage);
        socket.on("error", onError);
        send();
      }),
    close: () => {
      if (closed) return;
      closed = true;
      socket.close();
    },
  };
}

async function openStream(endpoint: StunEndpoint, lookup: Lookup, timeoutMs: number): Promise<StunOpening> {
  const marks: Marks = { start: performance.now() };
  const secure = endpoint.transport === "tls";
  let phase: "dns" | "connect" | "tls" = "dns";
  let certificate: PeerCertificate | undefined;
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new ProbeFailure(timeoutFailure(phase, timeoutMs))),
    timeoutMs,
  );
  try {
    const socket = await openSocket(
      { hostname: endpoint.host, port: endpoint.port, secure, tls: endpoint.tls },
      lookup,
      marks,
      controller.signal,
      {
        onPhase: (next) => {
          if (next === "connect" || next === "tls") phase = next;
        },
        onCertificate: (cert) => {
          certificate = cert;
        },
      },
    );
    return {
      channel: streamChannel(socket),
      timings: phaseTimings(marks, secure),
      ...(certificate ? { certificate } : {}),
    };
  } catch (error) {
    return {
      failure: describeError(error, phase),
      timings: phaseTimings(marks, secure),
      ...(certificate ? { certificate } : {}),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Messages on a stream are self-delimiting: a 20-byte header whose length gives the rest. */
function streamChannel(socket: Socket): StunChannel {
  let buffered = Buffer.alloc(0);
  let ended: string | undefined;
  const waiting = new Set<() => void>();
  const received: Buffer[] = [];
  const wake = (): void => {
    for (const notify of [...waiting]) notify();
  };
  socket.on("data", (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      const length = messageLength(buffered);
      if (length === undefined || buffered.length < length) break;
      if (length > MAX_MESSAGE_BYTES) {
        ended = "the server sent something that is not STUN";
        socket.destroy();
        break;
      }
      received.push(buffered.subarray(0, length));
      buffered = buffered.subarray(length);
    }
    wake();
  });
  socket.on("error", (error) => {
    ended ??= describeError(error, "headers").message;
    wake();
  });
  socket.on("close", () => {
    ended ??= "the server closed the connection";
    wake();
  });
  return {
    exchange: (request, transactionId, timeoutMs) =>
      new Promise<StunReply>((resolve) => {
        const check = (): void => {
          const index = received.findIndex((message) =>
            sameTransaction(message.subarray(8, 20), transactionId),
          );
          const match = index >= 0 ? received.splice(index, 1)[0] : undefined;
          if (match) finish({ response: new Uint8Array(match) });
          else if (ended !== undefined) finish({ failure: ended });
        };
        const finish = (reply: StunReply): void => {
          clearTimeout(deadline);
          waiting.delete(check);
          resolve(reply);
        };
        const deadline = setTimeout(() => finish({ failure: `no answer within ${timeoutMs} ms` }), timeoutMs);
        waiting.add(check);
        if (ended === undefined) socket.write(request);
        check();
      }),
    close: () => {
      socket.destroy();
    },
  };
}

/** `promise`'s value, or undefined after `ms`. */
async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
