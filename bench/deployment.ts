/**
 * The deployment figures: the production bundle (synthesized with the real stack from
 * examples/minimal.json) beside a baseline bundle of @aws-sdk/client-cloudwatch alone built with
 * the same settings, what each part of both weighs (esbuild's metafile); the time to import each
 * in a fresh process, and their cold start (./cold-start.ts); the handler's duration, CPU time,
 * log volume and peak memory over a few invocations of the real bundle against loopback targets;
 * the peak memory of a 300-target cycle (the probe's code, bundled the same way); and the monthly
 * cost model fed with those measurements and with the synthesized template's alarms.
 */
import { readFileSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { HANDLER_ENTRY } from "../infra/probe-function.ts";
import { type BundleBreakdown, bundleBreakdown, sameBuild } from "../support/bundle-breakdown.ts";
import { benchColdStart, type ColdStartFigures } from "./cold-start.ts";
import { type CostModel, costModel, lambdaDurationMs, RUNS_PER_MONTH, remoteCustomMetrics } from "./cost.ts";
import { BASELINE_ENTRY } from "./goals.ts";
import { EXAMPLE_CONFIG, handlerEnvironment } from "./handler-env.ts";
import { type LambdaChildResult, lambdaNodeArgs, runLambdaChild } from "./lambda.ts";
import { median, round } from "./stats.ts";
import { type BuiltFunction, bundleEntries, synthesizeMonitor } from "./synth.ts";
import { startTargets } from "./targets.ts";

const ROOT = new URL("..", import.meta.url).pathname;
/** The regions of the several-vantage figures: home first. */
export const BENCH_VANTAGES = ["eu-west-3", "us-east-1", "ap-southeast-1"] as const;

/** The example config probing from BENCH_VANTAGES (a vantage name is each region's then). */
async function withVantages(outdir: string): Promise<string> {
  const { vantage: _single, ...example } = JSON.parse(await readFile(EXAMPLE_CONFIG, "utf8")) as Record<
    string,
    unknown
  >;
  const path = join(outdir, "vantages.json");
  await writeFile(
    path,
    JSON.stringify({ ...example, deployment: { region: BENCH_VANTAGES[0], vantages: BENCH_VANTAGES } }),
  );
  return path;
}

export interface BundleFigure {
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly mapBytes: number;
  /** Median time to require() the bundle in a fresh process. */
  readonly importMs: number;
  readonly importRuns: number;
  readonly importRssMb: number;
}

export interface HandlerFigures {
  readonly invocations: number;
  /** The first invocation of a fresh container (config load, first TLS, SDK client). */
  readonly firstMs: number;
  readonly medianMs: number;
  readonly medianCpuMs: number;
  readonly logBytesPerRun: number;
  readonly putMetricDataRequestsPerRun: number;
  readonly datumsPerRun: number;
  /** Unique name+dimensions combinations published (over all invocations). */
  readonly customMetrics: number;
  readonly metricNames: string[];
  readonly down: number;
  readonly peakRssMb: number;
}

export interface DeploymentFigures {
  readonly memoryMb: number;
  readonly architectures: readonly string[];
  readonly runtime: string;
  readonly nodeArgs: readonly string[];
  readonly nodeOptions?: string;
  readonly bundle: BundleFigure & {
    readonly baseline: BundleFigure;
    /** esbuild's metafile of each, grouped by package. */
    readonly breakdown: BundleBreakdown;
    readonly baselineBreakdown: BundleBreakdown;
    /** Whether the metafile's build has the size of the bundle CDK wrote (it should). */
    readonly breakdownMatchesCdk: boolean;
  };
  readonly coldStart: ColdStartFigures;
  readonly handler: HandlerFigures;
  readonly peakRss: {
    readonly targets300Mb: number;
    readonly targets300Checks: number;
    readonly targets300Up: number;
  };
  readonly alarms: {
    readonly alarms: number;
    readonly alarmMetrics: number;
    readonly compositeAlarms: number;
  };
  readonly resources: Record<string, number>;
  readonly cost: CostModel;
  /** Synthetics with one canary per check instead of one canary running the three. */
  readonly costThreeCanaries: CostModel;
  /** Our cost if every target hung for the whole month (each run lasts two timeouts and the pause). */
  readonly costAllHung: CostModel;
  /**
   * Three vantages (deployment.vantages) beside a Synthetics canary in three locations: the home
   * stack's alarms synthesized with three vantages, the others' metrics as they publish them.
   */
  readonly costVantages: CostModel;
  readonly alarmsVantages: {
    readonly alarms: number;
    readonly alarmMetrics: number;
    readonly compositeAlarms: number;
  };
  readonly lambdaDurationMs: number;
}

function bundleSizes(built: BuiltFunction): { bytes: number; gzipBytes: number; mapBytes: number } {
  const code = readFileSync(built.file);
  let mapBytes = 0;
  try {
    mapBytes = statSync(`${built.file}.map`).size;
  } catch {
    // no source map
  }
  return { bytes: code.length, gzipBytes: gzipSync(code).length, mapBytes };
}

/** Import time of each bundle, the bundles alternating run by run in fresh processes. */
async function importFigures(
  bundles: readonly BuiltFunction[],
  runs: number,
  memoryMb: number,
  nodeOptions?: string,
): Promise<BundleFigure[]> {
  const results: LambdaChildResult[][] = bundles.map(() => []);
  for (let run = 0; run < runs; run++) {
    for (const [index, built] of bundles.entries()) {
      results[index]?.push(
        await runLambdaChild(
          { mode: "import", bundle: built.file },
          { memoryMb, ...(nodeOptions ? { nodeOptions } : {}) },
        ),
      );
    }
  }
  return bundles.map((built, index) => {
    const own = results[index] ?? [];
    return {
      ...bundleSizes(built),
      importMs: round(median(own.map((r) => r.importMs)), 1),
      importRuns: runs,
      importRssMb: round(median(own.map((r) => r.importRssMb)), 1),
    };
  });
}

export async function benchDeployment(
  options: { importRuns: number; invocations: number; coldStartRuns: number },
  log: (line: string) => void,
): Promise<DeploymentFigures> {
  const outdir = await mkdtemp(join(tmpdir(), "meet-bench-synth-"));
  try {
    const stack = await synthesizeMonitor(EXAMPLE_CONFIG, join(outdir, "stack"));
    const vantagesStack = await synthesizeMonitor(await withVantages(outdir), join(outdir, "vantages"));
    const built = bundleEntries(
      {
        baseline: BASELINE_ENTRY,
        cycle: join(ROOT, "bench", "entries", "concurrent-cycle.ts"),
      },
      join(outdir, "bench"),
    );
    const { probe } = stack;
    const memoryMb = probe.memoryMb ?? 128;
    const nodeOptions = probe.nodeOptions;
    const baselineBuilt = built.baseline;
    const cycleBuilt = built.cycle;
    if (!baselineBuilt || !cycleBuilt) throw new Error("bench bundles missing");
    log(`bundle: synthesized (${memoryMb} MB, ${probe.architectures?.join(",")}, ${probe.runtime})`);

    const [production, baseline] = await importFigures(
      [probe, baselineBuilt],
      options.importRuns,
      memoryMb,
      nodeOptions,
    );
    if (!production || !baseline) throw new Error("import figures missing");
    const breakdown = await bundleBreakdown(HANDLER_ENTRY);
    const baselineBreakdown = await bundleBreakdown(BASELINE_ENTRY);
    const breakdownMatchesCdk =
      sameBuild(breakdown, production.bytes) && sameBuild(baselineBreakdown, baseline.bytes);
    log(
      `bundle: ${production.bytes} bytes, import ${production.importMs} ms (baseline ${baseline.importMs} ms)`,
    );

    const coldStart = await benchColdStart(probe, baselineBuilt, {
      runs: options.coldStartRuns,
      memoryMb,
      nodeOptions,
      dir: outdir,
    });
    log(`cold start: ${coldStart.ours.totalMs} ms (baseline ${coldStart.baseline.totalMs} ms)`);

    const handler = await handlerFigures(probe, memoryMb, options.invocations, outdir, nodeOptions);
    log(
      `handler: median ${handler.medianMs} ms, CPU ${handler.medianCpuMs} ms, peak ${handler.peakRssMb} MB`,
    );

    const wide = await startTargets({ healthy: { count: 300, delayMs: 50 }, cloudwatch: true });
    let targets300: LambdaChildResult;
    try {
      targets300 = await runLambdaChild(
        {
          mode: "event",
          bundle: cycleBuilt.file,
          event: { ports: wide.healthyPorts, cloudwatchUrl: wide.cloudwatchUrl },
        },
        { memoryMb, ...(nodeOptions ? { nodeOptions } : {}) },
      );
    } finally {
      await wide.close();
    }
    const output = targets300.output as { checks?: number; up?: number } | undefined;
    log(`peak RSS: ${round(targets300.peakRssMb, 1)} MB for a 300-target cycle`);

    const durationMs = lambdaDurationMs(handler.medianMs, handler.medianCpuMs, memoryMb);
    const base = {
      runsPerMonth: RUNS_PER_MONTH,
      durationMs,
      memoryMb,
      putMetricDataRequestsPerRun: handler.putMetricDataRequestsPerRun,
      customMetrics: handler.customMetrics,
      alarmMetrics: stack.alarms.alarmMetrics,
      compositeAlarms: stack.alarms.compositeAlarms,
      canaries: 1,
    };
    // Defaults: 10 s timeout, 1 s pause, two attempts; publishing measured as above.
    const hungMs = 2 * 10_000 + 1_000 + durationMs;
    return {
      memoryMb,
      architectures: probe.architectures ?? [],
      runtime: probe.runtime ?? "?",
      nodeArgs: lambdaNodeArgs(memoryMb),
      ...(nodeOptions ? { nodeOptions } : {}),
      bundle: { ...production, baseline, breakdown, baselineBreakdown, breakdownMatchesCdk },
      coldStart,
      handler,
      peakRss: {
        targets300Mb: round(targets300.peakRssMb, 1),
        targets300Checks: output?.checks ?? 0,
        targets300Up: output?.up ?? 0,
      },
      alarms: stack.alarms,
      resources: stack.resources,
      cost: costModel(base),
      costThreeCanaries: costModel({ ...base, canaries: 3 }),
      costAllHung: costModel({ ...base, durationMs: hungMs }),
      costVantages: costModel({
        ...base,
        vantages: BENCH_VANTAGES.length,
        remoteCustomMetrics: remoteCustomMetrics(handler.metricNames),
        alarmMetrics: vantagesStack.alarms.alarmMetrics,
        compositeAlarms: vantagesStack.alarms.compositeAlarms,
      }),
      alarmsVantages: vantagesStack.alarms,
      lambdaDurationMs: round(durationMs, 1),
    };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

/**
 * The production bundle's handler, invoked in a fresh process against three loopback targets that
 * answer after 50 ms (./handler-env.ts), publishing to a local CloudWatch endpoint.
 */
async function handlerFigures(
  probe: BuiltFunction,
  memoryMb: number,
  invocations: number,
  outdir: string,
  nodeOptions: string | undefined,
): Promise<HandlerFigures> {
  const targets = await startTargets({
    healthy: { count: 3, delayMs: 50, tlsIndexes: [1] },
    cloudwatch: true,
  });
  try {
    const env = await handlerEnvironment(targets, outdir);
    const result = await runLambdaChild(
      { mode: "handler", bundle: probe.file, invocations },
      {
        memoryMb,
        ...(nodeOptions ? { nodeOptions } : {}),
        env,
      },
    );
    const runs = result.invocations ?? [];
    const warm = runs.slice(1);
    const received = await targets.cloudwatch();
    return {
      invocations: runs.length,
      firstMs: round(runs[0]?.wallMs ?? Number.NaN, 1),
      medianMs: round(median(warm.map((run) => run.wallMs)), 1),
      medianCpuMs: round(median(warm.map((run) => run.cpuMs)), 1),
      logBytesPerRun: Math.round(median(warm.map((run) => run.logBytes))),
      putMetricDataRequestsPerRun: round(received.requests / Math.max(1, runs.length), 2),
      datumsPerRun: round(received.datums / Math.max(1, runs.length), 1),
      customMetrics: received.uniqueMetrics.length,
      metricNames: received.uniqueMetrics,
      down: runs.reduce((sum, run) => sum + run.down, 0),
      peakRssMb: round(result.peakRssMb, 1),
    };
  } finally {
    await targets.close();
  }
}
