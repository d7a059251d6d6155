/**
 * Debian's coturn, started by the tests on loopback with long-term credentials: a UDP and TCP
 * listener on one port, a TLS listener on another (certificate from the test CA), relay ports in
 * a private range. Stopped afterwards. The TURN checks' stand-in for LiveKit's embedded TURN:
 * the protocol is the same, only the way credentials are derived differs (which a client that
 * uses the credentials it is given never sees).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Pem } from "./certs.ts";
import { stopProcess } from "./processes.ts";
import { closedPort } from "./servers.ts";

export const TURNSERVER_BINARY = "/usr/bin/turnserver";
export const COTURN_INSTALL_HINT = "apt-get install -y coturn";
/** LiveKit's embedded TURN uses this realm. */
export const TURN_REALM = "livekit";

export interface CoturnOptions {
  readonly username: string;
  readonly password: string;
  /** Adds a TLS listener with this certificate. */
  readonly tlsCertificate?: Pem;
}

export interface RunningCoturn {
  /** UDP and TCP. */
  readonly port: number;
  /** TLS, when a certificate was given. */
  readonly tlsPort?: number;
  /** Everything coturn logged so far (for a failing test's message). */
  log(): string;
  stop(): Promise<void>;
}

/** Undefined when coturn is installed, else what to install. */
export function coturnMissing(): string | undefined {
  return existsSync(TURNSERVER_BINARY) ? undefined : `${TURNSERVER_BINARY} (${COTURN_INSTALL_HINT})`;
}

export async function startCoturn(options: CoturnOptions): Promise<RunningCoturn> {
  const dir = await mkdtemp(join(tmpdir(), "meet-coturn-"));
  const port = await closedPort();
  const tlsPort = options.tlsCertificate ? await closedPort() : undefined;
  // A relay range of its own per server, away from the ephemeral ports the system hands out.
  const minPort = 20_000 + Math.floor(Math.random() * 400) * 100;
  const args = [
    "-n",
    "--listening-ip=127.0.0.1",
    "--relay-ip=127.0.0.1",
    `--listening-port=${port}`,
    "--no-dtls",
    "--lt-cred-mech",
    `--user=${options.username}:${options.password}`,
    `--realm=${TURN_REALM}`,
    "--no-cli",
    "--log-file=stdout",
    "--simple-log",
    `--min-port=${minPort}`,
    `--max-port=${minPort + 99}`,
    "--fingerprint",
    `--pidfile=${join(dir, "turnserver.pid")}`,
  ];
  if (options.tlsCertificate && tlsPort !== undefined) {
    const cert = join(dir, "cert.pem");
    const key = join(dir, "key.pem");
    await writeFile(cert, options.tlsCertificate.cert);
    await writeFile(key, options.tlsCertificate.key, { mode: 0o600 });
    args.push(`--tls-listening-port=${tlsPort}`, `--cert=${cert}`, `--pkey=${key}`);
  } else {
    args.push("--no-tls");
  }
  const child = spawn(TURNSERVER_BINARY, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const stop = async (): Promise<void> => {
    await stopProcess(child, "SIGTERM");
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(child, port, tlsPort);
  } catch (error) {
    await stop();
    throw new Error(
      `coturn did not start: ${error instanceof Error ? error.message : String(error)}\n${output}`,
    );
  }
  return { port, ...(tlsPort === undefined ? {} : { tlsPort }), log: () => output, stop };
}

/** Ready when it answers a STUN Binding over UDP and accepts TCP (and TLS) connections. */
async function waitUntilReady(child: ChildProcess, port: number, tlsPort: number | undefined): Promise<void> {
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    const ready =
      (await answersBinding(port)) &&
      (await acceptsTcp(port)) &&
      (tlsPort === undefined || (await acceptsTcp(tlsPort)));
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("not ready within 10 s");
}

function answersBinding(port: number): Promise<boolean> {
  const request = Buffer.alloc(20);
  request.writeUInt16BE(0x0001, 0);
  request.writeUInt32BE(0x2112a442, 4);
  request.fill(9, 8);
  return new Promise((resolve) => {
    const socket = createSocket("udp4");
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 200);
    socket.on("error", () => done(false));
    socket.on("message", () => done(true));
    socket.send(request, port, "127.0.0.1");
  });
}

function acceptsTcp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
