/**
 * Soak: thousands of cycles in one process against three servers that flap request by request
 * between healthy, slow, hung and resetting. Every cycle must end within its bound and publish
 * Up for every check; heap (after a full GC) and open handles are sampled along the way and must
 * stay bounded. Used by `npm run bench` (2,000 cycles) and by a vitest test (200 cycles).
 */
import { readdirSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { HttpPort } from "../functions/probe/http.ts";
import { probeOnce } from "../functions/probe/monitor.ts";
import type { MetricsPublisher } from "../functions/probe/publish.ts";
import { parseConfig } from "../functions/shared/config/index.ts";
import { CHECK_NAME, type CheckComponent } from "../functions/shared/metrics.ts";
import type { FlapMode, FlapOptions } from "./servers.ts";
import { round } from "./stats.ts";

/** The flapping mix the soak uses: mostly healthy, every failure mode often. */
export const SOAK_FLAP: Omit<FlapOptions, "seed"> = {
  weights: { healthy: 0.65, slow: 0.15, hung: 0.08, reset: 0.12 },
  slowMs: [20, 100],
};

/** Allowance beyond two attempts and the pause: scheduling, GC, publishing's share of the loop. */
export const CYCLE_SLACK_MS = 250;

export interface SoakOptions {
  readonly cycles: number;
  /** Ports of the backend, LiveKit and Garage flapping servers, in that order. */
  readonly ports: readonly [number, number, number];
  readonly http: HttpPort;
  readonly publisher: MetricsPublisher;
  readonly timeoutMs: number;
  readonly retryDelayMs: number;
  /** Cycles run before the first sample (JIT, pools and caches warm up). */
  readonly warmupCycles: number;
  /** Number of samples taken, evenly spread from the end of the warm-up to the last cycle. */
  readonly samples: number;
  /** Every mode each server played, in order (to check each verdict against what really happened). */
  readonly serverModes?: () => Promise<FlapMode[][]> | FlapMode[][];
  readonly log?: (line: string) => void;
}

export interface SoakSample {
  readonly cycle: number;
  readonly heapUsedMb: number;
  /** Heap V8 has reserved (the young generation grows with the host's memory unless capped). */
  readonly heapTotalMb: number;
  readonly externalMb: number;
  readonly rssMb: number;
  /** process.getActiveResourcesInfo(), counted by kind. */
  readonly resources: Record<string, number>;
  readonly resourceTotal: number;
  /** Open file descriptors (/proc/self/fd): sockets that no longer hold the event loop count too. */
  readonly openFds: number;
}

export interface SoakResult {
  readonly cycles: number;
  readonly boundMs: number;
  readonly maxCycleMs: number;
  readonly cyclesOverBound: number;
  /** Cycles where some check had no Up datum, and checks missing one in total. */
  readonly missingUp: number;
  readonly publishFailures: number;
  /** Checks the cycle's watchdog had to report (a monitor fault). */
  readonly watchdogFired: number;
  readonly checksDown: number;
  readonly attempts: number;
  readonly modeCounts: Record<FlapMode, number>;
  /** Verdicts (Up and attempts) agreeing with what the server did, out of `verdictsChecked`. */
  readonly verdictsMatching?: number;
  readonly verdictsChecked?: number;
  readonly samples: readonly SoakSample[];
  readonly heapGrowthMb: number;
  readonly rssGrowthMb: number;
  readonly resourceGrowth: number;
  readonly fdGrowth: number;
  readonly wallSeconds: number;
}

const COMPONENTS: readonly CheckComponent[] = ["backend", "livekit", "garage"];

/** A full garbage collection, with or without --expose-gc. */
export function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === "function") return exposed;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

function countOpenFds(): number {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return Number.NaN;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const [backend, livekit, garage] = options.ports;
  const parsed = parseConfig({
    vantage: "soak",
    probe: { timeoutMs: options.timeoutMs, retryDelayMs: options.retryDelayMs },
    targets: {
      backend: { url: `http://127.0.0.1:${backend}` },
      livekit: { url: `http://127.0.0.1:${livekit}` },
      garage: { adminUrl: `http://127.0.0.1:${garage}` },
    },
  });
  if (!parsed.ok) throw new Error(`soak config invalid: ${JSON.stringify(parsed.issues)}`);
  const config = parsed.config;
  const gc = collector();
  const boundMs = 2 * options.timeoutMs + options.retryDelayMs + CYCLE_SLACK_MS;
  const total = options.warmupCycles + options.cycles;
  const sampleAt = new Set<number>();
  for (let i = 0; i < options.samples; i++) {
    const offset = Math.round((i * options.cycles) / Math.max(1, options.samples - 1));
    sampleAt.add(options.warmupCycles + Math.max(1, offset));
  }

  const samples: SoakSample[] = [];
  const attemptsByCheck: { status: string; attempts: number }[][] = COMPONENTS.map(() => []);
  let maxCycleMs = 0;
  let cyclesOverBound = 0;
  let missingUp = 0;
  let publishFailures = 0;
  let watchdogFired = 0;
  let checksDown = 0;
  let attempts = 0;
  const started = performance.now();

  const sample = async (cycle: number): Promise<void> => {
    // Let closed sockets finish closing, then collect everything collectable.
    await sleep(50);
    gc();
    const resources: Record<string, number> = {};
    for (const kind of process.getActiveResourcesInfo()) resources[kind] = (resources[kind] ?? 0) + 1;
    const memory = process.memoryUsage();
    samples.push({
      cycle,
      heapUsedMb: round(memory.heapUsed / 1_048_576, 2),
      heapTotalMb: round(memory.heapTotal / 1_048_576, 1),
      externalMb: round(memory.external / 1_048_576, 1),
      rssMb: round(memory.rss / 1_048_576, 1),
      resources,
      resourceTotal: Object.values(resources).reduce((a, b) => a + b, 0),
      openFds: countOpenFds(),
    });
  };

  for (let cycle = 1; cycle <= total; cycle++) {
    const outcome = await probeOnce(config, "soak", {
      http: options.http,
      publisher: options.publisher,
      writeEmf: () => undefined,
    });
    const measured = cycle > options.warmupCycles;
    for (const [index, component] of COMPONENTS.entries()) {
      const check = outcome.report.checks.find((result) => result.component === component);
      const up = outcome.datums.find(
        (datum) =>
          datum.name === "Up" &&
          datum.dimensions.some((d) => d.name === "Component" && d.value === component) &&
          datum.dimensions.some((d) => d.name === "Check" && d.value === CHECK_NAME[component]),
      );
      if (check) attemptsByCheck[index]?.push({ status: check.status, attempts: check.attempts });
      if (!measured) continue;
      if (!up || !check) missingUp++;
      if (check?.reason?.includes("monitor fault")) watchdogFired++;
      if (check?.status === "down") checksDown++;
      attempts += check?.attempts ?? 0;
    }
    if (!measured) continue;
    if (outcome.publish?.ok !== true) publishFailures++;
    maxCycleMs = Math.max(maxCycleMs, outcome.report.durationMs);
    if (outcome.report.durationMs > boundMs) cyclesOverBound++;
    if (sampleAt.has(cycle)) await sample(cycle);
    if (options.log && cycle % 500 === 0) {
      options.log(`soak: ${cycle - options.warmupCycles}/${options.cycles} cycles`);
    }
  }

  const modes = options.serverModes ? await options.serverModes() : undefined;
  const modeCounts: Record<FlapMode, number> = { healthy: 0, slow: 0, hung: 0, reset: 0 };
  for (const list of modes ?? []) for (const mode of list) modeCounts[mode]++;
  const verdicts = modes ? checkVerdicts(attemptsByCheck, modes) : undefined;

  const first = samples[0];
  const last = samples.at(-1);
  return {
    cycles: options.cycles,
    boundMs,
    maxCycleMs,
    cyclesOverBound,
    missingUp,
    publishFailures,
    watchdogFired,
    checksDown,
    attempts,
    modeCounts,
    ...(verdicts ? { verdictsMatching: verdicts.matching, verdictsChecked: verdicts.checked } : {}),
    samples,
    heapGrowthMb: first && last ? round(last.heapUsedMb - first.heapUsedMb, 2) : 0,
    rssGrowthMb: first && last ? round(last.rssMb - first.rssMb, 1) : 0,
    resourceGrowth: first && last ? last.resourceTotal - first.resourceTotal : 0,
    fdGrowth: first && last ? last.openFds - first.openFds : 0,
    wallSeconds: round((performance.now() - started) / 1000, 1),
  };
}

const ANSWERS: ReadonlySet<FlapMode> = new Set(["healthy", "slow"]);

/**
 * Walks each server's modes in order: a check took one mode per attempt, so a first attempt on a
 * hung or resetting server must have been retried, and the check is up exactly when its last
 * attempt met a server that answered.
 */
export function checkVerdicts(
  results: readonly (readonly { status: string; attempts: number }[])[],
  modes: readonly (readonly FlapMode[])[],
): { matching: number; checked: number } {
  let matching = 0;
  let checked = 0;
  for (const [index, list] of results.entries()) {
    const served = modes[index] ?? [];
    let position = 0;
    for (const result of list) {
      const taken = served.slice(position, position + result.attempts);
      position += result.attempts;
      checked++;
      const last = taken.at(-1);
      const first = taken[0];
      const expectedAttempts = first !== undefined && ANSWERS.has(first) ? 1 : 2;
      const expectedUp = last !== undefined && ANSWERS.has(last);
      if (result.attempts === expectedAttempts && (result.status === "up") === expectedUp) matching++;
    }
  }
  return { matching, checked };
}
