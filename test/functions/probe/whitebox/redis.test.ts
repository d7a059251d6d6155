/**
 * The Redis figures against a real redis-server and Debian's prometheus-redis-exporter, started
 * by the test on loopback: memory filled against a small maxmemory (evictions), hits and misses
 * in known numbers, connections refused at maxclients, maxmemory 0, and Redis stopped under a
 * running exporter. Needs `apt-get install -y redis-server prometheus-redis-exporter` (.ci/run
 * installs them): without them the tests fail under CI and are skipped, saying so, elsewhere.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeHttp } from "../../../../functions/probe/adapters/node-http.ts";
import { createCredentialResolver } from "../../../../functions/probe/credentials.ts";
import {
  collectWhitebox,
  createWhiteboxState,
  type WhiteboxDependencies,
  type WhiteboxReport,
  whiteboxDatums,
} from "../../../../functions/probe/whitebox/collect.ts";
import { parseConfig } from "../../../../functions/shared/config/index.ts";
import {
  missingRedis,
  REDIS_INSTALL_HINT,
  type RunningRedis,
  startRedis,
} from "../../../../support/redis.ts";

const missing = missingRedis();
if (missing.length > 0 && !process.env.CI) {
  console.warn(`Skipping the Redis tests: ${missing.join(", ")} not installed (${REDIS_INSTALL_HINT})`);
}

const MAXMEMORY = 4 * 1024 * 1024;
const MAXCLIENTS = 6;

describe.skipIf(missing.length > 0 && !process.env.CI)("Redis figures from a real redis_exporter", () => {
  let redis: RunningRedis;
  beforeAll(async () => {
    if (missing.length > 0) {
      throw new Error(`${missing.join(", ")} not installed: ${REDIS_INSTALL_HINT} (CI must have them)`);
    }
    redis = await startRedis({ maxmemory: "4mb", maxclients: MAXCLIENTS });
  }, 60_000);
  afterAll(async () => {
    await redis?.stop();
  }, 60_000);

  let now = 1_000_000;
  let dependencies: WhiteboxDependencies;
  beforeAll(() => {
    dependencies = {
      http: createNodeHttp(),
      state: createWhiteboxState(),
      credentials: createCredentialResolver({ mode: "local", env: {} }),
      clock: () => now,
    };
  });

  async function collect(): Promise<WhiteboxReport> {
    now += 60_000;
    const result = parseConfig({
      probe: { timeoutMs: 5_000 },
      targets: { redis: { exporterUrl: redis.exporterUrl } },
    });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const report = await collectWhitebox(result.config, dependencies);
    if (!report) throw new Error("no report");
    return report;
  }
  const figures = (report: WhiteboxReport) =>
    Object.fromEntries(report.figures.map((figure) => [figure.metric, figure.value]));
  const reasons = (report: WhiteboxReport) =>
    Object.fromEntries(report.missing.map((missed) => [missed.metric, missed.reason]));

  it("publishes memory against maxmemory, hit rate, clients, refused connections and evictions", async () => {
    const first = await collect();
    expect(first.sources[0]).toMatchObject({ source: "redis", ok: true, firstSample: true });
    expect(figures(first)).toMatchObject({ RedisUp: 1, RedisClients: 1 });
    expect(reasons(first)).toMatchObject({
      CacheHitRate: "first sample: the rate starts with the next cycle",
    });
    const evictedBefore = redis.info("evicted_keys");
    const rejectedBefore = redis.info("rejected_connections");

    // 30 hits and 10 misses, then 8 MiB of values into 4 MiB: the LRU policy evicts keys.
    redis.pipe([
      "SET session:1 logged-in",
      ...Array.from({ length: 30 }, () => "GET session:1"),
      ...Array.from({ length: 10 }, (_, index) => `GET missing:${index}`),
    ]);
    const value = "x".repeat(1024);
    redis.pipe(Array.from({ length: 8_000 }, (_, index) => `SET fill:${index} ${value}`));
    // maxclients 6: six stay connected, the next three are refused.
    expect(await redis.openClients(MAXCLIENTS)).toBe(0);
    expect(await redis.openClients(3)).toBe(3);
    await redis.closeClients();

    const second = await collect();
    const used = redis.info("used_memory");
    const published = figures(second);
    expect(published.CacheHitRate).toBe(75);
    expect(published.RejectedConnections).toBe(3);
    expect(redis.info("rejected_connections") - rejectedBefore).toBe(3);
    const evicted = redis.info("evicted_keys") - evictedBefore;
    expect(evicted).toBeGreaterThan(0);
    expect(published.EvictedKeys).toBe(evicted);
    expect(published.RedisMemoryPercent).toBeGreaterThan(85);
    expect(published.RedisMemoryPercent).toBeCloseTo((100 * used) / MAXMEMORY, 0);
    expect(published.RedisClients).toBe(1); // the exporter's own connection
  });

  it("publishes no memory percentage when maxmemory is 0, and says why", async () => {
    redis.command("CONFIG", "SET", "maxmemory", "0");
    const report = await collect();
    expect(figures(report).RedisMemoryPercent).toBeUndefined();
    expect(reasons(report).RedisMemoryPercent).toBe("not in the page (see the source's notes)");
    expect(report.sources[0]?.notes, JSON.stringify(report.sources[0]?.notes)).toContain(
      "maxmemory is 0 (no limit): RedisMemoryPercent is not published; Redis grows until the host's memory runs out and never evicts",
    );
    redis.command("CONFIG", "SET", "maxmemory", String(MAXMEMORY));
  });

  it("publishes RedisUp 0 when the exporter cannot reach Redis, the exporter itself being read", async () => {
    await redis.stopServer();
    const report = await collect();
    expect(report.sources[0]).toMatchObject({ ok: true });
    expect(figures(report)).toEqual({ RedisUp: 0 });
    expect(reasons(report).CacheHitRate).toBe("not in the page (see the source's notes)");
    const datums = whiteboxDatums(report, "ci").map((datum) => [datum.name, datum.value]);
    expect(datums).toEqual([
      ["RedisUp", 0],
      ["SourceUp", 1],
    ]);
  });
});
