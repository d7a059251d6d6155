/**
 * A real PostgreSQL and Debian's prometheus-postgres-exporter, started by the tests on loopback
 * (ephemeral ports, a temporary directory) and stopped afterwards; optionally a streaming replica
 * made with pg_basebackup, and pg_stat_statements.
 *
 * initdb and postgres refuse to run as root, and CI runs as root: they run as the `postgres`
 * system user (the Debian package creates it) in a directory that user owns.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { chown, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stderrTail, stopProcess, waitFor, waitForPage } from "./processes.ts";
import { closedPort } from "./servers.ts";

export const EXPORTER_BINARY = "/usr/bin/prometheus-postgres-exporter";
export const INSTALL_HINT = "apt-get install -y postgresql postgresql-contrib prometheus-postgres-exporter";

/** The exporter's web config accepts this user and password (bcrypt hash made with crypt(3)). */
export const EXPORTER_USER = "monitor";
export const EXPORTER_PASSWORD = "exporter-test-pass";
const EXPORTER_PASSWORD_BCRYPT = "$2b$10$Mk1tHq2wJx9Rb4Lp0sV8eOLried66dJvUbYNJ3JMttAb1F3EwOrAC";
const EXPORTER_AUTH = `Basic ${Buffer.from(`${EXPORTER_USER}:${EXPORTER_PASSWORD}`).toString("base64")}`;

/**
 * Queries for postgres_exporter 0.11's --extend.query-path (Debian's version has no collectors for
 * them): `pg_replication` is the exporter's own example query (pg_replication_lag), and
 * `pg_stat_statements` mirrors the stat_statements collector of later versions (PostgreSQL 13+
 * columns, same metric names, the exporter's own database excluded as
 * --collector.stat_statements.exclude_databases does).
 */
const REPLICATION_QUERY = `pg_replication:
  query: "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0 ELSE GREATEST (0, EXTRACT(EPOCH FROM (now() - pg_last_xact_replay_timestamp()))) END AS lag"
  master: true
  metrics:
    - lag:
        usage: "GAUGE"
        description: "Replication lag behind master in seconds"
`;
const STATEMENTS_QUERY = `pg_stat_statements:
  query: "SELECT pg_get_userbyid(userid) AS user, pg_database.datname, pg_stat_statements.queryid::text AS queryid, pg_stat_statements.calls AS calls_total, pg_stat_statements.total_exec_time / 1000.0 AS seconds_total FROM pg_stat_statements JOIN pg_database ON pg_database.oid = pg_stat_statements.dbid WHERE pg_database.datname NOT IN ('postgres') ORDER BY seconds_total DESC LIMIT 100"
  master: true
  metrics:
    - user:
        usage: "LABEL"
        description: "Name of user"
    - datname:
        usage: "LABEL"
        description: "Name of database"
    - queryid:
        usage: "LABEL"
        description: "Query ID"
    - calls_total:
        usage: "COUNTER"
        description: "Number of times executed"
    - seconds_total:
        usage: "COUNTER"
        description: "Total time spent in the statement, in seconds"
`;

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

/** pg_stat_statements comes with postgresql-contrib. */
export function hasStatStatements(binaries: PostgresBinaries): boolean {
  const version = /postgresql\/(\d+)\/bin/.exec(binaries.bin)?.[1];
  return (
    version !== undefined &&
    existsSync(`/usr/share/postgresql/${version}/extension/pg_stat_statements.control`)
  );
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

/** An interactive psql session, for what must stay open: an idle session, a long transaction. */
export interface PsqlSession {
  /** Sends SQL (or a psql command) and resolves once psql has run it. */
  run(sql: string): Promise<void>;
  /** Everything psql printed (errors included). */
  output(): string;
  close(): Promise<void>;
}

export interface PostgresServer {
  readonly port: number;
  /** The exporter's metrics URL (basic auth required: EXPORTER_USER / EXPORTER_PASSWORD). */
  readonly exporterUrl: string;
  /** Runs one statement with psql and returns its unaligned, tuples-only output. */
  sql(statement: string, database?: string): string;
  /** Opens a psql session, connected once it resolves. */
  session(database?: string): Promise<PsqlSession>;
}

export interface RunningPostgres extends PostgresServer {
  readonly maxConnections: number;
  /** Opens `count` idle client sessions (psql processes) and resolves once each is connected. */
  openSessions(count: number): Promise<void>;
  /** Ends every session opened so far. */
  closeSessions(): Promise<void>;
  /** Client sessions according to PostgreSQL itself (pg_stat_activity), not counting the asking one. */
  clientSessions(): number;
  /** A streaming replica of this server (pg_basebackup -R), with its own exporter (port: ephemeral). */
  startReplica(exporterPort?: number): Promise<PostgresServer & { stop(): Promise<void> }>;
  stop(): Promise<void>;
}

export interface PostgresOptions {
  /** @default an ephemeral port */
  readonly exporterPort?: number;
  /** Load pg_stat_statements and export it (needs postgresql-contrib; see hasStatStatements). */
  readonly statStatements?: boolean;
}

export async function startPostgres(
  binaries: PostgresBinaries,
  maxConnections: number,
  options: PostgresOptions = {},
): Promise<RunningPostgres> {
  const identity = serverIdentity();
  const dir = await mkdtemp(join(tmpdir(), "meet-pg-"));
  if (identity) await chown(dir, identity.uid, identity.gid);
  const data = join(dir, "data");
  const asServer = identity ? { uid: identity.uid, gid: identity.gid } : {};
  const env = { PATH: process.env.PATH ?? "", LANG: "C" };
  execFileSync(
    join(binaries.bin, "initdb"),
    ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"],
    { ...asServer, cwd: dir, stdio: "pipe", env },
  );
  const children: ChildProcess[] = [];
  const sessions: PsqlSession[] = [];
  const settings = [
    `max_connections=${maxConnections}`,
    ...(options.statStatements ? ["shared_preload_libraries=pg_stat_statements"] : []),
  ];
  const primary = await startServer(binaries, dir, data, settings, asServer, children);
  if (options.statStatements) primary.sql("CREATE EXTENSION pg_stat_statements");
  const queries = REPLICATION_QUERY + (options.statStatements ? STATEMENTS_QUERY : "");
  const exporterUrl = await startExporter(
    dir,
    "primary",
    primary.port,
    queries,
    children,
    options.exporterPort,
  );

  const idle: PsqlSession[] = [];
  return {
    ...primary,
    maxConnections,
    exporterUrl,
    session: async (database) => {
      const session = await primary.session(database);
      sessions.push(session);
      return session;
    },
    async openSessions(count) {
      idle.push(...(await Promise.all(Array.from({ length: count }, () => primary.session()))));
    },
    clientSessions() {
      return Number(
        primary.sql("select count(*) - 1 from pg_stat_activity where backend_type = 'client backend'"),
      );
    },
    async closeSessions() {
      await Promise.all(idle.splice(0).map((session) => session.close()));
    },
    async startReplica(replicaExporterPort) {
      const replicaData = join(dir, "replica");
      execFileSync(
        join(binaries.bin, "pg_basebackup"),
        [
          "-h",
          "127.0.0.1",
          "-p",
          String(primary.port),
          "-U",
          "postgres",
          "-D",
          replicaData,
          "-R",
          "-X",
          "stream",
          "--no-sync",
          "-c",
          "fast",
        ],
        { ...asServer, cwd: dir, stdio: "pipe", env },
      );
      const replicaChildren: ChildProcess[] = [];
      const replica = await startServer(
        binaries,
        dir,
        replicaData,
        [`max_connections=${maxConnections}`],
        asServer,
        replicaChildren,
      );
      const url = await startExporter(
        dir,
        "replica",
        replica.port,
        REPLICATION_QUERY,
        replicaChildren,
        replicaExporterPort,
      );
      children.push(...replicaChildren);
      return {
        ...replica,
        exporterUrl: url,
        async stop() {
          for (const child of [...replicaChildren].reverse()) await stopProcess(child, "SIGINT");
        },
      };
    },
    async stop() {
      await Promise.all([...sessions, ...idle].map((session) => session.close()));
      for (const child of [...children].reverse()) await stopProcess(child, "SIGINT");
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Starts `postgres` on a data directory and waits until it accepts connections. */
async function startServer(
  binaries: PostgresBinaries,
  dir: string,
  data: string,
  settings: readonly string[],
  asServer: { uid?: number; gid?: number },
  children: ChildProcess[],
): Promise<Omit<PostgresServer, "exporterUrl">> {
  const port = await closedPort();
  const server = spawn(
    join(binaries.bin, "postgres"),
    [
      ...["-D", data, "-p", String(port), "-k", dir],
      ...["listen_addresses=127.0.0.1", "fsync=off", "logging_collector=off", ...settings].flatMap(
        (setting) => ["-c", setting],
      ),
    ],
    {
      ...asServer,
      cwd: dir,
      stdio: ["ignore", "ignore", "pipe"],
      env: { PATH: process.env.PATH ?? "", LANG: "C" },
    },
  );
  children.push(server);
  const log = stderrTail(server);
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
    () => `PostgreSQL did not start: ${log()}`,
  );
  const connect = (database: string) => [
    "-h",
    "127.0.0.1",
    "-p",
    String(port),
    "-U",
    "postgres",
    "-d",
    database,
    "-X",
  ];
  return {
    port,
    sql: (statement, database = "postgres") =>
      execFileSync(binaries.psql, [...connect(database), "-qtA", "-c", statement], {
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "" },
      }).trim(),
    session: (database = "postgres") => openSession(binaries.psql, connect(database), children),
  };
}

async function openSession(
  psql: string,
  connect: readonly string[],
  children: ChildProcess[],
): Promise<PsqlSession> {
  const child = spawn(psql, [...connect, "-q"], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { PATH: process.env.PATH ?? "", PGCONNECT_TIMEOUT: "5" },
  });
  children.push(child);
  let output = "";
  let marker = 0;
  const waiting = new Map<string, () => void>();
  const onData = (chunk: unknown): void => {
    output += String(chunk);
    for (const [mark, resolve] of waiting) {
      if (output.includes(mark)) {
        waiting.delete(mark);
        resolve();
      }
    }
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<never>((_resolve, reject) =>
    child.once("exit", (code) => reject(new Error(`psql exited with ${code}: ${output.slice(-500)}`))),
  );
  exited.catch(() => undefined);
  const run = async (sql: string): Promise<void> => {
    const mark = `done-${++marker}-${process.pid}`;
    const done = new Promise<void>((resolve) => waiting.set(mark, resolve));
    // psql runs the statement, then echoes the mark: the statement has finished (or failed).
    child.stdin?.write(`${sql}\n\\echo ${mark}\n`);
    await Promise.race([done, exited]);
  };
  await run("select 1;");
  return { run, output: () => output, close: () => stopProcess(child, "SIGTERM") };
}

/** Starts Debian's postgres_exporter (basic auth, the extra queries) for one server. */
async function startExporter(
  dir: string,
  name: string,
  port: number,
  queries: string,
  children: ChildProcess[],
  listenPort?: number,
): Promise<string> {
  const own = join(dir, `exporter-${name}`);
  await mkdir(own, { recursive: true });
  const webConfig = join(own, "web-config.yml");
  await writeFile(webConfig, `basic_auth_users:\n  ${EXPORTER_USER}: ${EXPORTER_PASSWORD_BCRYPT}\n`);
  const queriesFile = join(own, "queries.yaml");
  await writeFile(queriesFile, queries);
  const exporterPort = listenPort ?? (await closedPort());
  const exporter = spawn(
    EXPORTER_BINARY,
    [
      `--web.listen-address=127.0.0.1:${exporterPort}`,
      `--web.config.file=${webConfig}`,
      `--extend.query-path=${queriesFile}`,
      "--log.level=warn",
    ],
    {
      stdio: ["ignore", "ignore", "pipe"],
      env: {
        PATH: process.env.PATH ?? "",
        DATA_SOURCE_NAME: `postgresql://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
      },
    },
  );
  children.push(exporter);
  const log = stderrTail(exporter);
  const url = `http://127.0.0.1:${exporterPort}/metrics`;
  await waitForPage(url, /^pg_up 1$/m, () => `postgres_exporter did not start: ${log()}`, {
    authorization: EXPORTER_AUTH,
  });
  return url;
}
