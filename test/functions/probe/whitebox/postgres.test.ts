/**
 * ConnectionsPercent against a real PostgreSQL through Debian's prometheus-postgres-exporter.
 * Needs `apt-get install -y postgresql prometheus-postgres-exporter` (.ci/run installs both):
 * without them the tests fail under CI and are skipped, saying so, elsewhere.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeHttp } from "../../../../functions/probe/adapters/node-http.ts";
import { createCredentialResolver } from "../../../../functions/probe/credentials.ts";
import {
  collectWhitebox,
  createWhiteboxState,
  type WhiteboxReport,
} from "../../../../functions/probe/whitebox/collect.ts";
import { type MonitorConfig, parseConfig } from "../../../../functions/shared/config/index.ts";
import {
  EXPORTER_PASSWORD,
  EXPORTER_USER,
  findBinaries,
  INSTALL_HINT,
  type RunningPostgres,
  startPostgres,
} from "../../../../support/postgres.ts";

const binaries = findBinaries();
const missing = "missing" in binaries ? binaries.missing : [];
if (missing.length > 0 && !process.env.CI) {
  console.warn(`Skipping the PostgreSQL tests: ${missing.join(", ")} not installed (${INSTALL_HINT})`);
}

const MAX_CONNECTIONS = 20;

describe.skipIf(missing.length > 0 && !process.env.CI)(
  "ConnectionsPercent from a real postgres_exporter",
  () => {
    let postgres: RunningPostgres;
    beforeAll(async () => {
      if ("missing" in binaries) {
        throw new Error(`${binaries.missing.join(", ")} not installed: ${INSTALL_HINT} (CI must have them)`);
      }
      postgres = await startPostgres(binaries, MAX_CONNECTIONS);
    }, 60_000);
    afterAll(async () => {
      await postgres?.stop();
    }, 60_000);

    function config(password: { env: string }): MonitorConfig {
      const result = parseConfig({
        probe: { timeoutMs: 5_000 },
        targets: {
          database: {
            exporterUrl: postgres.exporterUrl,
            exporterBasicAuth: { username: EXPORTER_USER, password },
          },
        },
      });
      if (!result.ok) throw new Error(JSON.stringify(result.issues));
      return result.config;
    }

    async function collect(env: Record<string, string>): Promise<WhiteboxReport | undefined> {
      return collectWhitebox(config({ env: "PG_EXPORTER_PASSWORD" }), {
        http: createNodeHttp(),
        state: createWhiteboxState(),
        credentials: createCredentialResolver({ mode: "local", env }),
      });
    }

    it("counts every open session over max_connections, and follows them as they open and close", async () => {
      const percent = async (): Promise<number | undefined> => {
        const report = await collect({ PG_EXPORTER_PASSWORD: EXPORTER_PASSWORD });
        expect(report?.sources[0]).toMatchObject({ source: "database", ok: true, httpStatus: 200 });
        return report?.figures.find((figure) => figure.metric === "ConnectionsPercent")?.value;
      };
      // postgres_exporter 0.11 holds two sessions of its own (its two collectors); PostgreSQL agrees.
      const exporterSessions = 2;
      expect(await percent()).toBe((100 * exporterSessions) / MAX_CONNECTIONS);
      expect(postgres.clientSessions()).toBe(exporterSessions);
      await postgres.openSessions(7);
      expect(await percent()).toBe((100 * (exporterSessions + 7)) / MAX_CONNECTIONS);
      await postgres.openSessions(5);
      expect(await percent()).toBe((100 * (exporterSessions + 12)) / MAX_CONNECTIONS);
      expect(postgres.clientSessions()).toBe(exporterSessions + 12);
      await postgres.closeSessions();
      // A closed psql session leaves pg_stat_activity as soon as its backend has exited.
      let after: number | undefined;
      for (let attempt = 0; attempt < 50; attempt++) {
        after = await percent();
        if (after === (100 * exporterSessions) / MAX_CONNECTIONS) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(after).toBe((100 * exporterSessions) / MAX_CONNECTIONS);
    });

    it("sends the exporter's basic auth, and reports a refused password without quoting it", async () => {
      const report = await collect({ PG_EXPORTER_PASSWORD: "wrong-password-value" });
      expect(report?.sources[0]).toMatchObject({
        ok: false,
        httpStatus: 401,
        reason: "HTTP 401: the endpoint refused the credentials",
      });
      expect(report?.figures).toEqual([]);
      expect(JSON.stringify(report)).not.toContain("wrong-password-value");
    });
  },
);
