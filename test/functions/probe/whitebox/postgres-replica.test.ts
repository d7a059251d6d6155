/**
 * The database figures beyond connections, against a real PostgreSQL primary and a streaming
 * replica (pg_basebackup), each with Debian's prometheus-postgres-exporter: replication lag from
 * a paused replay, the longest transaction, deadlocks, and mean query time from
 * pg_stat_statements. Needs `apt-get install -y postgresql postgresql-contrib
 * prometheus-postgres-exporter` (.ci/run installs them): without them the tests fail under CI and
 * are skipped, saying so, elsewhere.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeHttp } from "../../../../functions/probe/adapters/node-http.ts";
import { createCredentialResolver } from "../../../../functions/probe/credentials.ts";
import {
  collectWhitebox,
  createWhiteboxState,
  type WhiteboxDependencies,
  type WhiteboxReport,
} from "../../../../functions/probe/whitebox/collect.ts";
import { type MonitorConfig, parseConfig } from "../../../../functions/shared/config/index.ts";
import {
  EXPORTER_PASSWORD,
  EXPORTER_USER,
  findBinaries,
  hasStatStatements,
  INSTALL_HINT,
  type PostgresServer,
  type RunningPostgres,
  startPostgres,
} from "../../../../support/postgres.ts";

const binaries = findBinaries();
const missing = "missing" in binaries ? binaries.missing : [];
if (!("missing" in binaries) && !hasStatStatements(binaries))
  missing.push("pg_stat_statements (postgresql-contrib)");
if (missing.length > 0 && !process.env.CI) {
  console.warn(
    `Skipping the PostgreSQL replica tests: ${missing.join(", ")} not installed (${INSTALL_HINT})`,
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const epoch = (): number => Date.now() / 1000;

describe.skipIf(missing.length > 0 && !process.env.CI)(
  "database figures from a real primary and streaming replica",
  () => {
    let primary: RunningPostgres;
    let replica: PostgresServer & { stop(): Promise<void> };
    beforeAll(async () => {
      if ("missing" in binaries || missing.length > 0) {
        throw new Error(`${missing.join(", ")} not installed: ${INSTALL_HINT} (CI must have them)`);
      }
      primary = await startPostgres(binaries, 20, { statStatements: true });
      primary.sql("CREATE DATABASE meet");
      primary.sql("CREATE TABLE rooms (id int PRIMARY KEY, name text)", "meet");
      primary.sql("INSERT INTO rooms VALUES (1, 'a'), (2, 'b')", "meet");
      replica = await primary.startReplica();
    }, 90_000);
    afterAll(async () => {
      await replica?.stop();
      await primary?.stop();
    }, 60_000);

    function config(): MonitorConfig {
      const result = parseConfig({
        probe: { timeoutMs: 5_000 },
        targets: {
          database: {
            exporterUrl: [primary.exporterUrl, replica.exporterUrl],
            exporterBasicAuth: { username: EXPORTER_USER, password: { env: "PG_EXPORTER_PASSWORD" } },
          },
        },
      });
      if (!result.ok) throw new Error(JSON.stringify(result.issues));
      return result.config;
    }

    /** Collects cycle after cycle with one state, a minute apart on the rates' clock. */
    function cycles(): () => Promise<WhiteboxReport> {
      let now = 1_000_000;
      const dependencies: WhiteboxDependencies = {
        http: createNodeHttp(),
        state: createWhiteboxState(),
        credentials: createCredentialResolver({
          mode: "local",
          env: { PG_EXPORTER_PASSWORD: EXPORTER_PASSWORD },
        }),
        clock: () => now,
      };
      return async () => {
        now += 60_000;
        const report = await collectWhitebox(config(), dependencies);
        if (!report) throw new Error("no report");
        expect(report.sources.map((source) => source.ok)).toEqual([true, true]);
        return report;
      };
    }

    const figure = (report: WhiteboxReport, metric: string): number | undefined =>
      report.figures.find((candidate) => candidate.metric === metric)?.value;

    /** Waits until the replica has replayed everything the primary has written. */
    async function caughtUp(): Promise<void> {
      const target = primary.sql("SELECT pg_current_wal_lsn()");
      for (let attempt = 0; attempt < 100; attempt++) {
        if (replica.sql(`SELECT pg_last_wal_replay_lsn() >= '${target}'::pg_lsn`) === "t") return;
        await sleep(100);
      }
      throw new Error("the replica did not catch up");
    }

    it("publishes the replica's lag while its replay is paused, and a small one once it has caught up", async () => {
      const collect = cycles();
      // The last transaction the replica replays before the pause, and when it committed.
      const committed = Number(
        primary.sql(
          "INSERT INTO rooms VALUES (3, 'c') RETURNING extract(epoch FROM clock_timestamp())",
          "meet",
        ),
      );
      await caughtUp();
      replica.sql("SELECT pg_wal_replay_pause()");
      await sleep(2_500);
      // Written on the primary, received by the replica, not replayed.
      primary.sql("INSERT INTO rooms VALUES (4, 'd')", "meet");
      const before = epoch();
      const report = await collect();
      const after = epoch();
      const lag = figure(report, "ReplicationLag") ?? Number.NaN;
      expect(lag).toBeGreaterThanOrEqual(2.5);
      // The replica measures now() minus the commit of the last replayed transaction.
      expect(lag).toBeGreaterThanOrEqual(before - committed - 0.5);
      expect(lag).toBeLessThanOrEqual(after - committed + 0.5);

      replica.sql("SELECT pg_wal_replay_resume()");
      primary.sql("INSERT INTO rooms VALUES (5, 'e')", "meet");
      await caughtUp();
      expect(figure(await collect(), "ReplicationLag")).toBeLessThan(2);
    });

    it("publishes the age of a transaction left open, then nothing long once it commits", async () => {
      const collect = cycles();
      const session = await primary.session("meet");
      await session.run("BEGIN; UPDATE rooms SET name = 'held' WHERE id = 1;");
      const began = Number(
        primary.sql(
          "SELECT extract(epoch FROM min(xact_start)) FROM pg_stat_activity WHERE state = 'idle in transaction'",
        ),
      );
      await sleep(2_000);
      const before = epoch();
      const report = await collect();
      const after = epoch();
      const longest = figure(report, "LongestTransaction") ?? Number.NaN;
      expect(longest).toBeGreaterThanOrEqual(before - began - 0.5);
      expect(longest).toBeLessThanOrEqual(after - began + 0.5);
      await session.run("COMMIT;");
      expect(figure(await collect(), "LongestTransaction")).toBeLessThan(1);
      await session.close();
    });

    it("counts a deadlock in the interval", async () => {
      const collect = cycles();
      await collect();
      expect(figure(await collect(), "Deadlocks")).toBe(0);
      const one = await primary.session("meet");
      const two = await primary.session("meet");
      await one.run("BEGIN; UPDATE rooms SET name = 'one' WHERE id = 1;");
      await two.run("BEGIN; UPDATE rooms SET name = 'two' WHERE id = 2;");
      // Each now waits for the other's row: PostgreSQL cancels one after deadlock_timeout (1 s).
      await Promise.all([
        one.run("UPDATE rooms SET name = 'one' WHERE id = 2;"),
        two.run("UPDATE rooms SET name = 'two' WHERE id = 1;"),
      ]);
      expect(`${one.output()}${two.output()}`).toContain("deadlock detected");
      await Promise.all([one.run("ROLLBACK;"), two.run("ROLLBACK;")]);
      await Promise.all([one.close(), two.close()]);
      // The cancelled backend reports the deadlock to the cumulative statistics when it goes idle.
      for (let attempt = 0; attempt < 50; attempt++) {
        if (primary.sql("SELECT deadlocks FROM pg_stat_database WHERE datname = 'meet'") !== "0") break;
        await sleep(100);
      }
      expect(figure(await collect(), "Deadlocks")).toBe(1);
    });

    it("publishes the mean time of the statements run in the interval (pg_stat_statements)", async () => {
      const collect = cycles();
      const session = await primary.session("meet");
      // The statement runs once before the first sample, so its series has a baseline.
      await session.run("SELECT pg_sleep(0.2);");
      const totals = () => {
        const [calls, ms] = primary
          .sql(
            "SELECT sum(calls), sum(total_exec_time) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = 'meet'",
          )
          .split("|")
          .map(Number);
        return { calls: calls ?? Number.NaN, ms: ms ?? Number.NaN };
      };
      await collect();
      const start = totals();
      for (let run = 0; run < 4; run++) await session.run("SELECT pg_sleep(0.2);");
      const report = await collect();
      const end = totals();
      await session.close();
      const mean = figure(report, "MeanQueryTime") ?? Number.NaN;
      expect(mean).toBeCloseTo((end.ms - start.ms) / (end.calls - start.calls), 3);
      expect(mean).toBeGreaterThanOrEqual(200);
    });
  },
);
