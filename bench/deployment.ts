/**
 * The deployment figures: the production bundle (synthesized with the real stack from
 * examples/minimal.json) beside a baseline bundle of @aws-sdk/client-cloudwatch alone built with
 * the same settings; the time to import each in a fresh process; the handler's duration, CPU time,
 * log volume and peak memory over a few invocations of the real bundle against loopback targets;
 * the peak memory of a 300-target cycle (the probe's code, bundled the same way); and the monthly
 * cost model fed with those measurements and with the synthesized template's alarms.
 */
import { readFileSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { bundledConfigText, CONFIG_FILE_ENV, CONFIG_FILE_NAME } from "../functions/shared/config/bundled.ts";
import { formatIssues, parseConfig } from "../functions/shared/config/index.ts";
import { lambdaConfig } from "../infra/deploy-config.ts";
import { type CostModel, costModel, lambdaDurationMs, RUNS_PER_MONTH, remoteCustomMetrics } from "./cost.ts";
import { type LambdaChildResult, lambdaNodeArgs, runLambdaChild } from "./lambda.ts";
import { median, round } from "./stats.ts";
import { type BuiltFunction, bundleEntries, synthesizeMonitor } from "./synth.ts";
import { startTargets } from "./targets.ts";

const ROOT = new URL("..", import.meta.url).pathname;
export const EXAMPLE_CONFIG = join(ROOT, "examples", "minimal.json");
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
  readonly bundle: BundleFigure & { readonly baseline: BundleFigure };
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

async function importFigure(built: BuiltFunction, runs: number, memoryMb: number, nodeOptions?: string) {
  const results: LambdaChildResult[] = [];
  for (let run = 0; run < runs; run++) {
    results.push(
      await runLambdaChild(
        { mode: "import", bundle: built.file },
        { memoryMb, ...(nodeOptions ? { nodeOptions } : {}) },
      ),
    );
  }
  return {
    ...bundleSizes(built),
    importMs: round(median(results.map((r) => r.importMs)), 1),
    importRuns: runs,
    importRssMb: round(median(results.map((r) => r.importRssMb)), 1),
  };
}

export async function benchDeployment(
  options: { importRuns: number; invocations: number },
  log: (line: string) => void,
): Promise<DeploymentFigures> {
  const outdir = await mkdtemp(join(tmpdir(), "meet-bench-synth-"));
  try {
    const stack = await synthesizeMonitor(EXAMPLE_CONFIG, join(outdir, "stack"));
    const vantagesStack = await synthesizeMonitor(await withVantages(outdir), join(outdir, "vantages"));
    const built = bundleEntries(
      {
        baseline: join(ROOT, "bench", "entries", "cloudwatch-only.ts"),
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

    const production = await importFigure(probe, options.importRuns, memoryMb, nodeOptions);
    const baseline = await importFigure(baselineBuilt, options.importRuns, memoryMb, nodeOptions);
    log(
      `bundle: ${production.bytes} bytes, import ${production.importMs} ms (baseline ${baseline.importMs} ms)`,
    );

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
      bundle: { ...production, baseline },
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
 * answer after 50 ms (LiveKit over https with its own CA, host names resolved by the system
 * resolver, Garage's /metrics scraped as the default config does), publishing to a local
 * CloudWatch endpoint.
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
    const [backend, livekit, garage] = targets.healthyPorts;
    const example = JSON.parse(await readFile(EXAMPLE_CONFIG, "utf8")) as Record<string, unknown>;
    const config = {
      ...example,
      targets: {
        backend: { url: `http://localhost:${backend}` },
        livekit: { url: `https://localhost:${livekit}`, tls: { ca: targets.caPem } },
        garage: { adminUrl: `http://localhost:${garage}` },
      },
    };
    // Bundled as the CDK app bundles it: validated, then the Lambda's part with the format marker.
    const parsed = parseConfig(config);
    if (!parsed.ok) throw new Error(formatIssues("bench handler config", parsed.issues));
    const configFile = join(outdir, CONFIG_FILE_NAME);
    await writeFile(configFile, bundledConfigText(lambdaConfig(parsed.config)));
    const result = await runLambdaChild(
      { mode: "handler", bundle: probe.file, invocations },
      {
        memoryMb,
        ...(nodeOptions ? { nodeOptions } : {}),
        env: {
          [CONFIG_FILE_ENV]: configFile,
          AWS_REGION: "eu-west-3",
          AWS_ACCESS_KEY_ID: "AKIDLOCALBENCH",
          AWS_SECRET_ACCESS_KEY: "local-bench-secret",
          AWS_ENDPOINT_URL_CLOUDWATCH: targets.cloudwatchUrl ?? "",
        },
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
