/**
 * A real redis-server and Debian's prometheus-redis-exporter (oliver006/redis_exporter), started
 * by the tests on loopback (ephemeral ports, a temporary directory) and stopped afterwards.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { missingPrograms, stderrTail, stopProcess, waitFor, waitForPage } from "./processes.ts";
import { closedPort } from "./servers.ts";

export const REDIS_SERVER = "/usr/bin/redis-server";
export const REDIS_CLI = "/usr/bin/redis-cli";
export const REDIS_EXPORTER = "/usr/bin/prometheus-redis-exporter";
export const REDIS_INSTALL_HINT = "apt-get install -y redis-server prometheus-redis-exporter";

export function missingRedis(): string[] {
  return missingPrograms([REDIS_SERVER, REDIS_CLI, REDIS_EXPORTER]);
}

export interface RedisOptions {
  /** e.g. "2mb"; "0" for no limit. */
  readonly maxmemory: string;
  readonly maxclients: number;
  /** @default "allkeys-lru" */
  readonly policy?: string;
  /** @default an ephemeral port */
  readonly exporterPort?: number;
}

export interface RunningRedis {
  readonly port: number;
  /** redis_exporter's metrics URL (no authentication). */
  readonly exporterUrl: string;
  /** Runs one command with redis-cli and returns its raw output. */
  command(...args: string[]): string;
  /** Sends many commands through one redis-cli connection, one per line. */
  pipe(commands: readonly string[]): void;
  /** A field of INFO (`evicted_keys`, `used_memory`...). */
  info(field: string): number;
  /**
   * Opens `count` clients that stay connected; resolves once each has answered PING, or was
   * refused (the server says so before closing): returns how many were refused.
   */
  openClients(count: number): Promise<number>;
  closeClients(): Promise<void>;
  /** Stops redis-server only (the exporter keeps answering, with redis_up 0). */
  stopServer(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedis(options: RedisOptions): Promise<RunningRedis> {
  const dir = await mkdtemp(join(tmpdir(), "meet-redis-"));
  const port = await closedPort();
  const children: ChildProcess[] = [];
  const server = spawn(
    REDIS_SERVER,
    [
      ...["--port", String(port), "--bind", "127.0.0.1", "--dir", dir],
      ...["--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"],
      ...["--maxmemory", options.maxmemory, "--maxmemory-policy", options.policy ?? "allkeys-lru"],
      ...["--maxclients", String(options.maxclients)],
    ],
    { stdio: ["ignore", "ignore", "pipe"], cwd: dir },
  );
  children.push(server);
  const serverLog = stderrTail(server);
  const cli = (...args: string[]): string =>
    execFileSync(REDIS_CLI, ["-h", "127.0.0.1", "-p", String(port), ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  await waitFor(
    () => {
      try {
        return cli("PING").trim() === "PONG";
      } catch {
        return false;
      }
    },
    15_000,
    () => `redis-server did not start: ${serverLog()}`,
  );

  const exporterPort = options.exporterPort ?? (await closedPort());
  const exporter = spawn(
    REDIS_EXPORTER,
    [`-redis.addr=redis://127.0.0.1:${port}`, `-web.listen-address=127.0.0.1:${exporterPort}`],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  children.push(exporter);
  const exporterLog = stderrTail(exporter);
  const exporterUrl = `http://127.0.0.1:${exporterPort}/metrics`;
  await waitForPage(exporterUrl, /^redis_up 1$/m, () => `redis_exporter did not start: ${exporterLog()}`);

  // Plain sockets speaking RESP: exactly one connection each (redis-cli connects again on errors).
  const clients: Socket[] = [];
  const openClient = (): Promise<boolean> =>
    new Promise((resolve) => {
      const client = connect({ host: "127.0.0.1", port });
      clients.push(client);
      let answer = "";
      client.on("data", (chunk) => {
        answer += String(chunk);
        if (answer.startsWith("+PONG")) resolve(true);
        else if (answer.includes("\r\n")) resolve(false); // -ERR max number of clients reached
      });
      client.on("error", () => resolve(false));
      client.on("close", () => resolve(false));
      client.write("PING\r\n");
    });
  return {
    port,
    exporterUrl,
    command: cli,
    pipe(commands) {
      execFileSync(REDIS_CLI, ["-h", "127.0.0.1", "-p", String(port)], {
        input: `${commands.join("\n")}\n`,
        stdio: ["pipe", "ignore", "inherit"],
        maxBuffer: 64 * 1024 * 1024,
      });
    },
    info(field) {
      const match = new RegExp(`^${field}:(\\S+)`, "m").exec(cli("INFO"));
      if (!match?.[1]) throw new Error(`no ${field} in INFO`);
      return Number(match[1]);
    },
    async openClients(count) {
      const answers = await Promise.all(Array.from({ length: count }, openClient));
      return answers.filter((connected) => !connected).length;
    },
    async closeClients() {
      await Promise.all(clients.splice(0).map(closeSocket));
    },
    stopServer: () => stopProcess(server, "SIGTERM"),
    async stop() {
      await Promise.all(clients.splice(0).map(closeSocket));
      for (const child of [...children].reverse()) await stopProcess(child, "SIGTERM");
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function closeSocket(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once("close", () => resolve());
    socket.destroy();
  });
}
