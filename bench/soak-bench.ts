/**
 * The bench's soak: the flapping servers and a local CloudWatch endpoint run in their own process;
 * this process runs the cycles with the real node:http port and the real SDK publisher, as the Lambda
 * does, and checks afterwards that the endpoint received Up for every check of every cycle.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { createCloudWatchPublisher } from "../functions/probe/adapters/cloudwatch.ts";
import { createNodeHttp } from "../functions/probe/adapters/node-http.ts";
import { forkChild, type Message } from "./ipc.ts";
import { runSoak, SOAK_FLAP, type SoakResult } from "./soak.ts";
import { startTargets } from "./targets.ts";

export interface SoakBenchResult extends SoakResult {
  readonly warmupCycles: number;
  readonly timeoutMs: number;
  readonly retryDelayMs: number;
  /** Up datums the CloudWatch endpoint received per component (warm-up cycles included). */
  readonly upReceived: Record<string, number>;
  readonly putMetricDataRequests: number;
  /** Sockets still open on the servers' side after the last cycle. */
  readonly serverOpenSockets: number;
  /** Every bound held (see `failures` for the ones that did not). */
  readonly pass: boolean;
  readonly failures: string[];
}

/** Heap growth (after GC) allowed between the first and the last sample. */
export const HEAP_GROWTH_LIMIT_MB = 8;
/** Active resources (sockets, timers...) allowed beyond the first sample's count. */
export const RESOURCE_GROWTH_LIMIT = 3;

export async function benchSoak(cycles: number, log: (line: string) => void): Promise<SoakBenchResult> {
  const timeoutMs = 200;
  const retryDelayMs = 20;
  const warmupCycles = 20;
  const targets = await startTargets({
    flapping: { seeds: [11, 22, 33], weights: { ...SOAK_FLAP.weights }, slowMs: [...SOAK_FLAP.slowMs] },
    cloudwatch: true,
  });
  try {
    const [b, l, g] = targets.flappingPorts;
    if (b === undefined || l === undefined || g === undefined || targets.cloudwatchUrl === undefined) {
      throw new Error("soak targets did not start");
    }
    const publisher = createCloudWatchPublisher({
      client: new CloudWatchClient({
        region: "eu-west-3",
        endpoint: targets.cloudwatchUrl,
        credentials: { accessKeyId: "AKIDLOCALBENCH", secretAccessKey: "local-bench-secret" },
        maxAttempts: 3,
      }),
    });
    const result = await runSoak({
      cycles,
      ports: [b, l, g],
      http: createNodeHttp(),
      publisher,
      timeoutMs,
      retryDelayMs,
      warmupCycles,
      samples: 11,
      serverModes: () => targets.flapModes(),
      log,
    });
    const received = await targets.cloudwatch();
    const serverOpenSockets = await targets.openSockets();
    const failures: string[] = [];
    const total = cycles + warmupCycles;
    for (const component of ["backend", "livekit", "garage"]) {
      if ((received.upByCheck[component] ?? 0) !== total) {
        failures.push(
          `${component}: ${received.upByCheck[component] ?? 0} Up datums received for ${total} cycles`,
        );
      }
    }
    if (result.missingUp > 0) failures.push(`${result.missingUp} checks without an Up datum`);
    if (result.publishFailures > 0) failures.push(`${result.publishFailures} cycles failed to publish`);
    if (result.cyclesOverBound > 0)
      failures.push(`${result.cyclesOverBound} cycles over ${result.boundMs} ms`);
    if (result.watchdogFired > 0) failures.push(`the watchdog fired ${result.watchdogFired} times`);
    if (result.heapGrowthMb > HEAP_GROWTH_LIMIT_MB) failures.push(`heap grew ${result.heapGrowthMb} MB`);
    if (result.resourceGrowth > RESOURCE_GROWTH_LIMIT) {
      failures.push(`active resources grew by ${result.resourceGrowth}`);
    }
    if (result.fdGrowth > RESOURCE_GROWTH_LIMIT)
      failures.push(`open file descriptors grew by ${result.fdGrowth}`);
    if (serverOpenSockets > 0) failures.push(`${serverOpenSockets} sockets left open on the servers`);
    return {
      ...result,
      warmupCycles,
      timeoutMs,
      retryDelayMs,
      upReceived: received.upByCheck,
      putMetricDataRequests: received.requests,
      serverOpenSockets,
      pass: failures.length === 0,
      failures,
    };
  } finally {
    await targets.close();
  }
}

/**
 * Runs `benchSoak` in a fresh child process started with `execArgv` (the Lambda runtime's V8 heap
 * flags for the function's memory), relaying its progress lines.
 */
export async function benchSoakInChild(
  cycles: number,
  execArgv: readonly string[],
  log: (line: string) => void,
): Promise<SoakBenchResult> {
  const child = forkChild(new URL("./soak-child.ts", import.meta.url), { cycles }, { execArgv });
  child.process.on("message", (raw) => {
    const message = raw as Message;
    if (message.type === "log" && typeof message.line === "string") log(message.line);
  });
  try {
    await child.ready;
    const done = await child.next("done");
    return done.result as SoakBenchResult;
  } finally {
    await child.close();
  }
}
