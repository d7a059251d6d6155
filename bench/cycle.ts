/**
 * Cycle wall time for 3, 30 and 300 targets that answer after 50 ms.
 *
 * The config schema has one target per component, so N targets are N/3 configs (backend, LiveKit
 * and Garage each on its own port) whose `runCycle`s start together: runCycle is itself one
 * Promise.all over its checks, so this is the same code path as one cycle of N concurrent checks,
 * through the real node:http port, against N servers listening in another process.
 */
import { createNodeHttp } from "../functions/probe/adapters/node-http.ts";
import { type CheckResult, runCycle } from "../functions/probe/cycle.ts";
import type { HttpPort } from "../functions/probe/http.ts";
import type { MonitorConfig } from "../functions/shared/config/index.ts";
import { configsFor } from "./configs.ts";
import { median, round } from "./stats.ts";
import { startTargets } from "./targets.ts";

export interface CycleFigure {
  readonly targets: number;
  /** Median wall time of one cycle over `runs` cycles (after one warm-up cycle). */
  readonly wallMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** wallMs / the servers' delay: 1 is ideal. */
  readonly ratio: number;
  /** Median and slowest check total (DNS to last body byte) within the median cycle. */
  readonly checkMedianMs: number;
  readonly checkMaxMs: number;
  /** Slowest TCP connect within the median cycle. */
  readonly connectMaxMs: number;
  /** Checks that were not up (should be 0). */
  readonly notUp: number;
  readonly runs: number;
}

/** One cycle over every config at once; the checks of all of them, and the wall time. */
export async function concurrentCycle(
  configs: readonly MonitorConfig[],
  http: HttpPort,
): Promise<{ wallMs: number; checks: CheckResult[] }> {
  const started = performance.now();
  const reports = await Promise.all(configs.map((config) => runCycle(config, "bench", { http })));
  const wallMs = performance.now() - started;
  return { wallMs, checks: reports.flatMap((report) => report.checks) };
}

export async function benchCycles(
  counts: readonly number[],
  delayMs: number,
  runs: number,
  log: (line: string) => void,
): Promise<CycleFigure[]> {
  const figures: CycleFigure[] = [];
  const http = createNodeHttp();
  for (const count of counts) {
    const targets = await startTargets({ healthy: { count, delayMs } });
    try {
      const configs = configsFor(targets.healthyPorts);
      await concurrentCycle(configs, http);
      const cycles: { wallMs: number; checks: CheckResult[] }[] = [];
      for (let run = 0; run < runs; run++) cycles.push(await concurrentCycle(configs, http));
      const walls = cycles.map((cycle) => cycle.wallMs);
      const wallMs = median(walls);
      const typical = cycles.find((cycle) => cycle.wallMs === wallMs) ?? cycles[0];
      const checks = typical?.checks ?? [];
      const totals = checks.map((check) => check.timings.totalMs);
      const figure: CycleFigure = {
        targets: count,
        wallMs: round(wallMs, 1),
        minMs: round(Math.min(...walls), 1),
        maxMs: round(Math.max(...walls), 1),
        ratio: round(wallMs / delayMs, 2),
        checkMedianMs: round(median(totals), 1),
        checkMaxMs: round(Math.max(...totals), 1),
        connectMaxMs: round(Math.max(...checks.map((check) => check.timings.connectMs ?? 0)), 1),
        notUp: cycles.reduce((sum, cycle) => sum + cycle.checks.filter((c) => c.status !== "up").length, 0),
        runs,
      };
      log(
        `cycle: ${count} targets: median ${figure.wallMs} ms (x${figure.ratio}), min ${figure.minMs}, max ${figure.maxMs}`,
      );
      figures.push(figure);
    } finally {
      await targets.close();
    }
  }
  return figures;
}
