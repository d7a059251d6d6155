/**
 * The short soak: 200 cycles against servers flapping between healthy, slow, hung and resetting.
 * Bounded growth and completeness are asserted; durations only against the cycle's own budget
 * (the 2,000-cycle soak with its figures is `npm run bench`).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FlappingServer, startFlappingServer } from "../../bench/servers.ts";
import { runSoak, SOAK_FLAP, type SoakResult } from "../../bench/soak.ts";
import { createNodeHttp } from "../../functions/probe/adapters/node-http.ts";
import type { MetricsPublisher } from "../../functions/probe/publish.ts";

const CYCLES = 200;
const WARMUP = 20;
// Far above the slowest answer (40 ms), so a busy machine cannot turn a slow answer into a timeout.
const TIMEOUT_MS = 300;
const RETRY_DELAY_MS = 10;

let servers: FlappingServer[] = [];
const upPublished: Record<string, number> = {};
const publisher: MetricsPublisher = {
  publish: async (_namespace, _timestamp, datums) => {
    for (const datum of datums) {
      if (datum.name !== "Up") continue;
      const component = datum.dimensions.find((d) => d.name === "Component")?.value ?? "?";
      upPublished[component] = (upPublished[component] ?? 0) + 1;
    }
    return { requests: 1 };
  },
};
let result: SoakResult;

beforeAll(async () => {
  servers = await Promise.all(
    [1, 2, 3].map((seed) =>
      startFlappingServer({ seed, weights: SOAK_FLAP.weights, slowMs: [5, 40] as const }),
    ),
  );
  const [backend, livekit, garage] = servers.map((server) => server.port);
  if (backend === undefined || livekit === undefined || garage === undefined) throw new Error("no servers");
  result = await runSoak({
    cycles: CYCLES,
    ports: [backend, livekit, garage],
    http: createNodeHttp(),
    publisher,
    timeoutMs: TIMEOUT_MS,
    retryDelayMs: RETRY_DELAY_MS,
    warmupCycles: WARMUP,
    samples: 5,
    serverModes: () => servers.map((server) => server.modes),
  });
}, 120_000);

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

describe(`soak: ${CYCLES} cycles against flapping servers`, () => {
  it("met every failure mode many times", () => {
    for (const mode of ["healthy", "slow", "hung", "reset"] as const) {
      expect(result.modeCounts[mode]).toBeGreaterThan(20);
    }
    expect(result.checksDown).toBeGreaterThan(0);
  });

  it("published Up for every check of every cycle", () => {
    expect(result.missingUp).toBe(0);
    expect(result.publishFailures).toBe(0);
    expect(upPublished).toEqual({
      backend: CYCLES + WARMUP,
      livekit: CYCLES + WARMUP,
      garage: CYCLES + WARMUP,
    });
  });

  it("ended every cycle inside its budget, without the watchdog", () => {
    expect(result.watchdogFired).toBe(0);
    expect(result.maxCycleMs).toBeLessThanOrEqual(2 * TIMEOUT_MS + RETRY_DELAY_MS + 2_000);
  });

  it("judged each exchange as the server played it", () => {
    expect(result.verdictsChecked).toBe(3 * (CYCLES + WARMUP));
    expect(result.verdictsMatching ?? 0).toBeGreaterThanOrEqual(0.99 * (result.verdictsChecked ?? 0));
  });

  it("kept heap, handles and file descriptors bounded", () => {
    expect(result.samples).toHaveLength(5);
    expect(result.heapGrowthMb).toBeLessThan(8);
    expect(result.resourceGrowth).toBeLessThanOrEqual(3);
    expect(result.fdGrowth).toBeLessThanOrEqual(3);
  });

  it("left no connection open on the servers", async () => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(servers.map((server) => server.openSockets())).toEqual([0, 0, 0]);
  });
});
