/**
 * A real PostgreSQL and Debian's prometheus-postgres-exporter, started by the tests on loopback
 * (ephemeral ports, a temporary directory) and stopped afterwards.
 *
 * initdb and postgres refuse to run as root, and CI runs as root: they run as the `postgres`
 * system user (the Debian package creates it) in a directory that user owns.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { chown, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closedPort } from "./servers.ts";

export const EXPORTER_BINARY = "/usr/bin/prometheus-postgres-exporter";
export const INSTALL_HINT = "apt-get install -y postgresql prometheus-postgres-exporter";

/** The exporter's web config accepts this user and password (bcrypt hash made with crypt(3)). */
export const EXPORTER_USER = "monitor";
export const EXPORTER_PASSWORD = "exporter-test-pass";
const EXPORTER_PASSWORD_BCRYPT = "$2b$10$Mk1tHq2wJx9Rb4Lp0sV8eOLried66dJvUbYNJ3JMttAb1F3EwOrAC";

export interface PostgresBinaries {
  readonly bin: string;
  readonly psql: string;
}

/** The newest installed PostgreSQL's binaries, or a list of what is missing. */
export function findBinaries(): PostgresBinaries | { readonly missing: string[] } {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => existsSync(join(root, name, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const missing: string[] = [];
  const version = versions[0];
  if (version === undefined) missing.push(`${root}/*/bin/initdb and postgres`);
  if (!existsSync(EXPORTER_BINARY)) missing.push(EXPORTER_BINARY);
  if (version === undefined || missing.length > 0) return { missing };
  const bin = join(root, version, "bin");
  return { bin, psql: join(bin, "psql") };
}

interface Identity {
  readonly uid: number;
  readonly gid: number;
}

/** Root cannot run postgres: use the postgres system user then. */
function serverIdentity(): Identity | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  return { uid, gid };
}

export interface RunningPostgres {
  readonly port: number;
  readonly maxConnections: number;
  /** The exporter's metrics URL (basic auth required: EXPORTER_USER / EXPORTER_PASSWORD). */
  readonly exporterUrl: string;
  /** Opens `count` idle client sessions (psql processes) and resolves once each is connected. */
  openSessions(count: number): Promise<void>;
  /** Ends every session opened so far. */
  closeSessions(): Promise<void>;
  /** Client sessions according to PostgreSQL itself (pg_stat_activity), not counting the asking one. */
  clientSessions(): number;
  stop(): Promise<void>;
}

export async function startPostgres(
  binaries: PostgresBinaries,
  maxConnections: number,
  /** @default an ephemeral port */
  exporterPort?: number,
): Promise<RunningPostgres> {
  const identity = serverIdentity();
  const dir = await mkdtemp(join(tmpdir(), "meet-pg-"));
  if (identity) await chown(dir, identity.uid, identity.gid);
  const data = join(dir, "data");
  const asServer = identity ? { uid: identity.uid, gid: identity.gid } : {};
  execFileSync(
    join(binaries.bin, "initdb"),
    ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"],
    { ...asServer, cwd: dir, stdio: "pipe", env: { PATH: process.env.PATH ?? "", LANG: "C" } },
  );
  const port = await closedPort();
  const children: ChildProcess[] = [];
  const server = spawn(
    join(binaries.bin, "postgres"),
    [
      "-D",
      data,
      "-p",
      String(port),
      "-k",
      dir,
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      `max_connections=${maxConnections}`,
      "-c",
      "fsync=off",
      "-c",
      "logging_collector=off",
    ],
    {
      ...asServer,
      cwd: dir,
      stdio: ["ignore", "ignore", "pipe"],
      env: { PATH: process.env.PATH ?? "", LANG: "C" },
    },
  );
  children.push(server);
  let serverLog = "";
  server.stderr?.on("data", (chunk) => {
    serverLog += String(chunk);
  });
  await waitFor(
    () => {
      try {
        execFileSync(join(binaries.bin, "pg_isready"), ["-h", "127.0.0.1", "-p", String(port)], {
          stdio: "pipe",
        });
        return true;
      } catch {
        return false;
      }
    },
    15_000,
    () => `PostgreSQL did not start: ${serverLog.slice(-2000)}`,
  );

  const webConfig = join(dir, "web-config.yml");
  await writeFile(webConfig, `basic_auth_users:\n  ${EXPORTER_USER}: ${EXPORTER_PASSWORD_BCRYPT}\n`);
  const listenPort = exporterPort ?? (await closedPort());
  const exporter = spawn(
    EXPORTER_BINARY,
    [`--web.listen-address=127.0.0.1:${listenPort}`, `--web.config.file=${webConfig}`, "--log.level=warn"],
    {
      stdio: ["ignore", "ignore", "pipe"],
      env: {
        PATH: process.env.PATH ?? "",
        DATA_SOURCE_NAME: `postgresql://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
      },
    },
  );
  children.push(exporter);
  let exporterLog = "";
  exporter.stderr?.on("data", (chunk) => {
    exporterLog += String(chunk);
  });
  const exporterUrl = `http://127.0.0.1:${listenPort}/metrics`;
  await waitForAsync(
    async () => {
      try {
        const response = await fetch(exporterUrl, {
          headers: {
            authorization: `Basic ${Buffer.from(`${EXPORTER_USER}:${EXPORTER_PASSWORD}`).toString("base64")}`,
          },
        });
        const text = await response.text();
        return response.status === 200 && /^pg_up 1$/m.test(text);
      } catch {
        return false;
      }
    },
    15_000,
    () => `postgres_exporter did not start: ${exporterLog.slice(-2000)}`,
  );

  const sessions: ChildProcess[] = [];
  return {
    port,
    maxConnections,
    exporterUrl,
    async openSessions(count) {
      await Promise.all(
        Array.from({ length: count }, () => {
          const psql = spawn(
            binaries.psql,
            ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", "postgres", "-X", "-q"],
            {
              stdio: ["pipe", "pipe", "pipe"],
              env: { PATH: process.env.PATH ?? "", PGCONNECT_TIMEOUT: "5" },
            },
          );
          sessions.push(psql);
          children.push(psql);
          return new Promise<void>((resolve, reject) => {
            let output = "";
            psql.stdout?.on("data", (chunk) => {
              output += String(chunk);
              if (output.includes("connected")) resolve();
            });
            psql.on("exit", (code) => reject(new Error(`psql exited with ${code}`)));
            // Once connected, psql runs this and then sits idle, holding its connection.
            psql.stdin?.write("\\echo connected\n");
          });
        }),
      );
    },
    clientSessions() {
      const output = execFileSync(
        binaries.psql,
        [
          ...["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", "postgres", "-X", "-tA"],
          ...["-c", "select count(*) - 1 from pg_stat_activity where backend_type = 'client backend'"],
        ],
        { encoding: "utf8", env: { PATH: process.env.PATH ?? "" } },
      );
      return Number(output.trim());
    },
    async closeSessions() {
      await Promise.all(sessions.splice(0).map((psql) => stopProcess(psql, "SIGTERM")));
    },
    async stop() {
      for (const child of [...children].reverse()) await stopProcess(child, "SIGINT");
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Stops a child with `signal`, then SIGKILL after 10 s; resolves once it has exited. */
export function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

async function waitFor(ready: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  await waitForAsync(async () => ready(), timeoutMs, describe);
}

async function waitForAsync(
  ready: () => Promise<boolean>,
  timeoutMs: number,
  describe: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(describe());
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
